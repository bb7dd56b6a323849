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

use std::sync::{Arc, Mutex};

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
    /// A key handed over to the next keying (see [`ResultCache::hand_over`]).
    handed_over: Arc<Mutex<Option<HandedOver>>>,
}

/// A key handed over to the next keying, and the sources (JSON) it is the key of.
struct HandedOver {
    sources: String,
    key: ResultKey,
}

impl HandedOver {
    /// The key, if it is the key of `action` on `sources` with the options digest `options`.
    fn of(self, action: &str, options: &Sha256, sources: &[Source]) -> Option<ResultKey> {
        let same = self.key.action == action
            && self.key.options_digest == *options
            && serde_json::to_string(sources).is_ok_and(|s| s == self.sources);
        same.then_some(self.key)
    }
}

impl std::fmt::Debug for ResultCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResultCache").finish_non_exhaustive()
    }
}

impl ResultCache {
    /// A cache keeping results in `store`.
    pub fn new(store: Store) -> ResultCache {
        ResultCache {
            store,
            handed_over: Arc::default(),
        }
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
        let handed_over = self
            .handed_over
            .lock()
            .ok()
            .and_then(|mut slot| slot.take());
        let options = match options_digest(request) {
            Ok(digest) => digest,
            Err(err) => {
                tracing::warn!(action, "result cache: options not keyed: {err}");
                return None;
            }
        };
        if let Some(key) = handed_over.and_then(|handed| handed.of(action, &options, &sources)) {
            return Some(key);
        }
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

    /// Hands `key`, just computed for its action on `sources`, to the next keying, which takes it if it keys the
    /// same call: a command that looked the result up first (to write a cached answer out as it is read) and
    /// found none then calls the action without keying its input again (a directory: a walk and a `stat` of
    /// every file). Any keying takes it, so it is never used later, when the input may have changed.
    pub(crate) fn hand_over(&self, sources: &[Source], key: ResultKey) {
        let (Ok(sources), Ok(mut slot)) = (serde_json::to_string(sources), self.handed_over.lock())
        else {
            return;
        };
        *slot = Some(HandedOver { sources, key });
    }

    /// The stored result of `key`, as it was rendered, or with `cached` as answered from the store (see
    /// [`mark_cached`]); `None` when there is none or it cannot be read.
    pub(crate) async fn get(&self, key: &ResultKey, cached: bool) -> Option<Rendered> {
        match self.open(key).await?.into_rendered(cached) {
            Ok(rendered) => Some(rendered),
            Err(err) => {
                tracing::warn!(%key, "result cache: stored result unreadable, analysing again: {err}");
                None
            }
        }
    }

    /// The stored result of `key` opened for reading (see [`StoredAnswer`]); `None` when there is none or its
    /// head cannot be read.
    pub async fn open(&self, key: &ResultKey) -> Option<StoredAnswer> {
        let reader = match self.store.read_result(key).await {
            Ok(reader) => reader?,
            Err(err) => {
                tracing::warn!(%key, "result cache: not read, analysing again: {err}");
                return None;
            }
        };
        let size = reader.size();
        match open_stored(reader, size) {
            Ok(answer) => Some(answer),
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

/// The first line of a result as gofed stores it: then the line of its [`StoredHead`], then the document's bytes
/// as they are printed. The head comes first so that a cached answer is written out as it is decompressed (the
/// API of a whole tree is 150 MB of text), and the document is the very bytes printed, not a JSON string to
/// unescape.
const STORED_MAGIC: &[u8] = b"\0gofed-rendered 1\n";

/// The last bytes of a result as gofed 0.1 stored them for a while (still read): the document, then its
/// [`StoredHead`], the head's length (4 bytes, little-endian) and these bytes. A stored result with neither this
/// nor [`STORED_MAGIC`] is the JSON of a [`Rendered`], as gofed stored results before (a JSON text never starts
/// or ends with NUL).
const STORED_TRAILER: &[u8] = b"\0gofed-rendered 2";

/// How much of a stored result is decompressed at a time when it is written out.
const CHUNK: usize = 256 * 1024;

/// Everything of a stored [`Rendered`] but the document.
#[derive(Serialize, serde::Deserialize)]
struct StoredHead {
    exit_code: u8,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    diagnostics: Vec<String>,
    /// `json` or `text`: what the document is.
    output: String,
    /// Where a JSON document's one `"cached": false` starts (see [`mark_cached`]), so that it is marked as it
    /// is written out. Absent from text, from a JSON document without exactly one, and from results stored
    /// before gofed recorded it (those are read whole to be marked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cached_at: Option<u64>,
}

impl StoredHead {
    /// Whether the document is JSON (else text).
    fn json(&self) -> Result<bool, String> {
        match self.output.as_str() {
            "json" => Ok(true),
            "text" => Ok(false),
            other => Err(format!("unknown document kind {other:?}")),
        }
    }
}

/// The stored `document` as the [`Output`] it was, JSON (checked) or text.
fn output_of(json: bool, document: String) -> Result<Output, String> {
    if !json {
        return Ok(Output::Text(document));
    }
    let raw = RawValue::from_string(document).map_err(|err| format!("the document: {err}"))?;
    Ok(Output::Json(raw))
}

/// `rendered` as stored, compressed as it is written (see [`write_stored`]).
pub(crate) fn written(rendered: &Rendered) -> std::io::Result<ResultWriter> {
    let mut out = ResultWriter::new()?;
    write_stored(rendered, &mut out)?;
    Ok(out)
}

/// Writes `rendered` as it is stored: [`STORED_MAGIC`], the line of its [`StoredHead`], and the document's bytes
/// as they are printed.
fn write_stored(rendered: &Rendered, out: &mut impl std::io::Write) -> std::io::Result<()> {
    let (kind, document, cached_at) = match &rendered.output {
        Output::Json(raw) => ("json", raw.get(), not_cached_at(raw.get())),
        Output::Text(text) => ("text", text.as_str(), None),
    };
    // serde_json escapes a newline in a string: the head is one line.
    let head = serde_json::to_vec(&StoredHead {
        exit_code: rendered.exit_code,
        diagnostics: rendered.diagnostics.clone(),
        output: kind.to_owned(),
        cached_at: cached_at.map(|at| at as u64),
    })?;
    out.write_all(STORED_MAGIC)?;
    out.write_all(&head)?;
    out.write_all(b"\n")?;
    out.write_all(document.as_bytes())
}

/// A stored result opened for reading: its head read, its document next.
pub struct StoredAnswer {
    exit_code: u8,
    diagnostics: Vec<String>,
    document: StoredDocument,
}

enum StoredDocument {
    /// The rest of a result stored head first, decompressed as it is read.
    Streamed {
        json: bool,
        cached_at: Option<u64>,
        rest: std::io::BufReader<Box<dyn std::io::Read + Send>>,
        /// The document's length, as recorded.
        length: u64,
    },
    /// A result stored the ways gofed did before, read whole.
    Read(Output),
}

/// The stored result `reader` reads, as it was rendered.
pub(crate) fn read_stored(reader: gofed_store::ResultReader) -> Result<Rendered, String> {
    let size = reader.size();
    open_stored(reader, size)?.into_rendered(false)
}

/// Opens the stored result `reader` gives (of `size` bytes), as [`written`] or gofed before stored it: the head is
/// read, the document is next.
pub(crate) fn open_stored(
    reader: impl std::io::Read + Send + 'static,
    size: u64,
) -> Result<StoredAnswer, String> {
    use std::io::{BufRead as _, Read as _};
    let reader: Box<dyn std::io::Read + Send> = Box::new(reader);
    let mut reader = std::io::BufReader::with_capacity(CHUNK, reader);
    let mut first = Vec::new();
    reader
        .read_until(b'\n', &mut first)
        .map_err(|err| err.to_string())?;
    if first != STORED_MAGIC {
        // Stored before gofed wrote the head first: read whole.
        let mut bytes = first;
        reader
            .read_to_end(&mut bytes)
            .map_err(|err| err.to_string())?;
        let rendered = read_whole(bytes)?;
        return Ok(StoredAnswer {
            exit_code: rendered.exit_code,
            diagnostics: rendered.diagnostics,
            document: StoredDocument::Read(rendered.output),
        });
    }
    let mut line = Vec::new();
    reader
        .read_until(b'\n', &mut line)
        .map_err(|err| err.to_string())?;
    if line.pop() != Some(b'\n') {
        return Err("no line after the magic".into());
    }
    let head: StoredHead = serde_json::from_slice(&line).map_err(|err| err.to_string())?;
    let json = head.json()?;
    let head_length = (first.len() + line.len() + 1) as u64;
    Ok(StoredAnswer {
        exit_code: head.exit_code,
        diagnostics: head.diagnostics,
        document: StoredDocument::Streamed {
            json,
            cached_at: head.cached_at,
            rest: reader,
            length: size.saturating_sub(head_length),
        },
    })
}

impl StoredAnswer {
    /// The exit status the command ends with.
    pub fn exit_code(&self) -> u8 {
        self.exit_code
    }

    /// Writes the lines for stderr, before the document, as [`Rendered::write_diagnostics`] does.
    pub fn write_diagnostics(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        crate::request::write_lines(&self.diagnostics, out)
    }

    /// Writes the document as the command line prints it ([`Rendered::write_to`]), marked as answered from the
    /// store (`"cached": true` in a JSON document's `meta`), as it is decompressed: never held whole. A document
    /// that turns out damaged (the store checked the stored bytes' sha256 before: only a recorded head that does
    /// not fit its document) is an `InvalidData` error after what was written.
    pub fn write_document(self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        match self.document {
            StoredDocument::Streamed {
                json,
                cached_at,
                rest,
                length,
            } if !json || cached_at.is_some() => {
                if length > CHUNK as u64 {
                    copy_decompressing_aside(rest, cached_at, out)?;
                } else {
                    copy_marked(rest, cached_at, out)?;
                }
                if json {
                    out.write_all(b"\n")?;
                }
                Ok(())
            }
            // Stored before gofed recorded where `meta.cached` is: read whole to be marked.
            document => StoredAnswer { document, ..self }
                .into_rendered(true)
                .map_err(std::io::Error::other)?
                .write_to(out),
        }
    }

    /// The whole [`Rendered`], or with `cached`, [`mark_cached`] of it; the document is checked (UTF-8, and
    /// JSON for a JSON document).
    pub(crate) fn into_rendered(self, cached: bool) -> Result<Rendered, String> {
        let (json, cached_at, rest, length) = match self.document {
            StoredDocument::Read(output) => {
                let rendered = Rendered {
                    output,
                    exit_code: self.exit_code,
                    diagnostics: self.diagnostics,
                    cached: false,
                };
                return Ok(if cached {
                    mark_cached(rendered)
                } else {
                    rendered
                });
            }
            StoredDocument::Streamed {
                json,
                cached_at,
                rest,
                length,
            } => (json, cached_at, rest, length),
        };
        let the_document = |err: &dyn std::fmt::Display| format!("the document: {err}");
        let mut document = Vec::new();
        document
            .try_reserve_exact(usize::try_from(length).unwrap_or(usize::MAX))
            .map_err(|err| the_document(&err))?;
        copy_marked(rest, cached_at.filter(|_| cached), &mut document)
            .map_err(|err| the_document(&err))?;
        let mut document = String::from_utf8(document).map_err(|err| the_document(&err))?;
        if json && cached && cached_at.is_none() {
            // Stored before gofed recorded where `meta.cached` is.
            if let Some(marked) = marked(&document) {
                document = marked;
            }
        }
        Ok(Rendered {
            output: output_of(json, document)?,
            exit_code: self.exit_code,
            diagnostics: self.diagnostics,
            cached,
        })
    }
}

/// [`copy_marked`], decompressing on a thread of its own while this one writes: a cached answer of megabytes
/// takes about the longer of the two rather than their sum (20 MB of API into a file: 22.8 -> 21.3 ms).
fn copy_decompressing_aside(
    document: impl std::io::BufRead + Send,
    cached_at: Option<u64>,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    /// Passes what is written on in chunks, reusing the chunks the writer is done with.
    struct Chunks {
        chunk: Vec<u8>,
        full: std::sync::mpsc::SyncSender<Vec<u8>>,
        empty: std::sync::mpsc::Receiver<Vec<u8>>,
    }
    impl Chunks {
        fn send(&mut self) -> std::io::Result<()> {
            let next = self
                .empty
                .try_recv()
                .unwrap_or_else(|_| Vec::with_capacity(CHUNK));
            let full = std::mem::replace(&mut self.chunk, next);
            // The writer stopped (its error is the copy's).
            self.full
                .send(full)
                .map_err(|_| std::io::Error::from(std::io::ErrorKind::BrokenPipe))
        }
    }
    impl std::io::Write for Chunks {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            let n = bytes.len().min(CHUNK - self.chunk.len());
            self.chunk.extend_from_slice(&bytes[..n]);
            if self.chunk.len() == CHUNK {
                self.send()?;
            }
            Ok(n)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    std::thread::scope(|scope| {
        // Two chunks in flight: one being written, one ready.
        let (full, chunks) = std::sync::mpsc::sync_channel(1);
        let (done, empty) = std::sync::mpsc::channel();
        let decompressing = scope.spawn(move || {
            let mut chunks = Chunks {
                chunk: Vec::with_capacity(CHUNK),
                full,
                empty,
            };
            copy_marked(document, cached_at, &mut chunks)?;
            chunks.send()
        });
        for mut chunk in chunks {
            out.write_all(&chunk)?;
            chunk.clear();
            let _ = done.send(chunk);
        }
        decompressing
            .join()
            .unwrap_or_else(|_| Err(std::io::Error::other("decompressing panicked")))
    })
}

/// Copies `document` to `out`, with [`CACHED`] for the [`NOT_CACHED`] at `cached_at`.
fn copy_marked(
    mut document: impl std::io::BufRead,
    cached_at: Option<u64>,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    use std::io::Read as _;
    if let Some(at) = cached_at {
        let copied = std::io::copy(&mut (&mut document).take(at), out)?;
        let mut member = [0; NOT_CACHED.len()];
        if copied != at
            || document.read_exact(&mut member).is_err()
            || member != *NOT_CACHED.as_bytes()
        {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("the stored document has no {NOT_CACHED} at byte {at}"),
            ));
        }
        out.write_all(CACHED.as_bytes())?;
    }
    std::io::copy(&mut document, out).map(drop)
}

/// A result stored by gofed before it wrote the head first: the document then its head and [`STORED_TRAILER`],
/// or the JSON of a [`Rendered`].
fn read_whole(mut bytes: Vec<u8>) -> Result<Rendered, String> {
    let Some(rest) = bytes.strip_suffix(STORED_TRAILER) else {
        return serde_json::from_slice(&bytes).map_err(|err| err.to_string());
    };
    let (rest, length) = rest.split_last_chunk::<4>().ok_or("no head length")?;
    let document_length = usize::try_from(u32::from_le_bytes(*length))
        .ok()
        .and_then(|length| rest.len().checked_sub(length))
        .ok_or("a head longer than the result")?;
    let head: StoredHead = serde_json::from_slice(&rest[document_length..])
        .map_err(|err| format!("the head: {err}"))?;
    bytes.truncate(document_length);
    let document = String::from_utf8(bytes).map_err(|err| format!("the document: {err}"))?;
    Ok(Rendered {
        output: output_of(head.json()?, document)?,
        exit_code: head.exit_code,
        diagnostics: head.diagnostics,
        cached: false,
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
    let at = not_cached_at(text)?;
    Some([&text[..at], CACHED, &text[at + NOT_CACHED.len()..]].concat())
}

/// Where the one `"cached": false` of the JSON document `text` starts; `None` unless there is exactly one.
fn not_cached_at(text: &str) -> Option<usize> {
    let mut found = text.match_indices(NOT_CACHED);
    let (at, _) = found.next()?;
    found.next().is_none().then_some(at)
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

    /// The stored result `bytes`, as it was rendered ([`StoredAnswer::into_rendered`]).
    fn read(bytes: Vec<u8>, cached: bool) -> Result<Rendered, String> {
        let size = bytes.len() as u64;
        open_stored(std::io::Cursor::new(bytes), size)?.into_rendered(cached)
    }

    /// The stored result `bytes` as the command line writes a cached answer ([`StoredAnswer::write_document`]).
    fn written_out(bytes: Vec<u8>) -> std::io::Result<Vec<u8>> {
        let size = bytes.len() as u64;
        let answer =
            open_stored(std::io::Cursor::new(bytes), size).map_err(std::io::Error::other)?;
        let mut out = Vec::new();
        answer.write_document(&mut out)?;
        Ok(out)
    }

    fn printed(rendered: &Rendered) -> Vec<u8> {
        let mut out = Vec::new();
        rendered.write_to(&mut out).expect("written");
        out
    }

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
        // Bigger than the chunk a cached answer is written in, with `meta` at its end.
        let big = Rendered::json(&serde_json::json!({
            "packages": vec!["pkg p, func F()"; 40_000],
            "meta": {"cached": false},
        }))
        .expect("json");
        let empty = Rendered::text(String::new());
        for (n, rendered) in [text, json, big, empty].into_iter().enumerate() {
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
            let cache = ResultCache::new(store.clone());
            assert_eq!(cache.get(&key, false).await, Some(rendered.clone()));
            assert_eq!(
                cache.get(&key, true).await,
                Some(mark_cached(rendered.clone()))
            );
            let answer = cache.open(&key).await.expect("stored");
            assert_eq!(answer.exit_code(), rendered.exit_code);
            let mut diagnostics = Vec::new();
            answer.write_diagnostics(&mut diagnostics).expect("written");
            let mut expected = Vec::new();
            rendered.write_diagnostics(&mut expected).expect("written");
            assert_eq!(diagnostics, expected);
            let mut out = Vec::new();
            answer.write_document(&mut out).expect("written out");
            assert_eq!(out, printed(&mark_cached(rendered.clone())));

            // As gofed stored results before: head first without where `meta.cached` is, the head after the
            // document, and the JSON of the whole Rendered.
            let bytes = store.get_result(&key).await.expect("get").expect("stored");
            assert!(bytes.starts_with(STORED_MAGIC));
            let (kind, document) = match &rendered.output {
                Output::Json(raw) => ("json", raw.get()),
                Output::Text(text) => ("text", text.as_str()),
            };
            let head = serde_json::to_vec(&StoredHead {
                exit_code: rendered.exit_code,
                diagnostics: rendered.diagnostics.clone(),
                output: kind.into(),
                cached_at: None,
            })
            .expect("head");
            let head_first = [STORED_MAGIC, &head, b"\n", document.as_bytes()].concat();
            let length = u32::try_from(head.len()).expect("short head");
            let head_after = [
                document.as_bytes(),
                &head,
                &length.to_le_bytes(),
                STORED_TRAILER,
            ]
            .concat();
            let legacy = serde_json::to_vec(&rendered).expect("legacy");
            for bytes in [head_first, head_after, legacy] {
                assert_eq!(read(bytes.clone(), false).expect("read"), rendered);
                assert_eq!(
                    read(bytes.clone(), true).expect("read as cached"),
                    mark_cached(rendered.clone())
                );
                assert_eq!(
                    written_out(bytes).expect("written out"),
                    printed(&mark_cached(rendered.clone()))
                );
            }
        }
    }

    #[tokio::test]
    async fn a_handed_over_key_is_taken_by_the_next_keying_of_the_same_call_only() {
        #[derive(Serialize)]
        struct Request {
            format: &'static str,
        }
        impl MachinePaths for Request {}
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("a.go"), "package a\n").expect("write");
        let store = Store::open_sqlite(&dir.path().join("store"))
            .await
            .expect("store");
        let cache = ResultCache::new(store);
        let sources = vec![Source::Path(dir.path().to_owned())];
        let request = Request { format: "json" };
        let key = |action| cache.key(action, sources.clone(), &request, true);
        let computed = key("api_analysis").await.expect("keyed");
        // A key that keying would not give, to tell it apart.
        let handed = ResultKey {
            input_digest: Sha256::of(b"handed over"),
            ..computed.clone()
        };
        cache.hand_over(&sources, handed.clone());
        assert_eq!(key("api_analysis").await, Some(handed.clone()));
        assert_eq!(
            key("api_analysis").await,
            Some(computed.clone()),
            "taken once"
        );
        // Another call does not take it, and no later one does.
        cache.hand_over(&sources, handed.clone());
        assert_ne!(key("deps_analysis").await, Some(handed.clone()));
        assert_eq!(key("api_analysis").await, Some(computed.clone()));
        let other = Request { format: "text" };
        cache.hand_over(&sources, handed.clone());
        let other_options = cache
            .key("api_analysis", sources.clone(), &other, true)
            .await;
        assert_ne!(other_options, Some(handed));
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
            (
                stored(
                    b"{\"exit_code\":0,\"output\":\"json\",\"cached_at\":2}\n{\"cached\": false}",
                ),
                "no \"cached\": false at byte 2",
            ),
            (
                stored(
                    b"{\"exit_code\":0,\"output\":\"json\",\"cached_at\":9}\n{\"cached\": false}",
                ),
                "at byte 9",
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
            let err = read(bytes.clone(), true).expect_err(says);
            assert!(err.contains(says), "{err:?} should say {says:?}");
        }
        // Written out, a document whose recorded `meta.cached` is not where it was recorded fails, with what
        // came before it written; text is passed on as it is.
        let err = written_out(stored(
            b"{\"exit_code\":0,\"output\":\"json\",\"cached_at\":2}\n{\"cached\": false}",
        ))
        .expect_err("misplaced");
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
        assert_eq!(
            written_out(stored(b"{\"exit_code\":0,\"output\":\"text\"}\n\xff\xfe")).expect("bytes"),
            b"\xff\xfe"
        );
    }

    #[test]
    fn marking_sets_meta_cached_in_json_and_the_flag_on_text() {
        let json = Rendered::json(&serde_json::json!({
            "packages": [{"doc": "say \"cached\": false here"}],
            "meta": {"cached": false},
        }))
        .expect("json");
        let marked = mark_cached(json.clone());
        assert!(marked.cached);
        let Output::Json(raw) = &marked.output else {
            panic!("json stays json")
        };
        let value: serde_json::Value = serde_json::from_str(raw.get()).expect("valid json");
        assert_eq!(value["meta"]["cached"], true);
        assert_eq!(value["packages"][0]["doc"], "say \"cached\": false here");
        // Marked as it is written out, at the place recorded when it was stored.
        let mut stored = Vec::new();
        write_stored(&json, &mut stored).expect("written");
        assert_eq!(written_out(stored).expect("written out"), printed(&marked));

        let text = mark_cached(Rendered::text("pkg p, func F()\n".into()));
        assert!(text.cached);
        assert_eq!(text.output, Output::Text("pkg p, func F()\n".into()));
    }
}
