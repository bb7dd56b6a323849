//! Tar archives, plain or compressed, decompressed as a stream that counts what it unpacks.

use super::Collector;
use crate::{Artifact, ArtifactError, Compression, Limits};
use std::cell::Cell;
use std::io::{self, Read};
use std::rc::Rc;

/// Reads a tar archive with the given compression into memory.
///
/// The decompressed stream is read once, front to back: every byte it yields is counted, so a bomb stops at the
/// first limit it reaches (the ratio of unpacked to compressed bytes once past [`Limits::RATIO_GRACE`], the total
/// size, a file's size, the entry count) with memory bounded by what was kept so far. Multi-member gzip, xz and
/// bzip2 streams and multi-frame zstd streams are read whole, as `gzip -d` and friends read them; after the tar's
/// end the rest of the stream is read too, so a corrupt or truncated tail (a gzip trailer's CRC) is an error.
pub fn read_tar(
    input: &str,
    bytes: &[u8],
    compression: Compression,
    limits: &Limits,
) -> Result<Artifact, ArtifactError> {
    let consumed = Rc::new(Cell::new(0u64));
    let source = CountingSlice {
        bytes,
        consumed: Rc::clone(&consumed),
    };
    let decoder = decoder(compression, source).map_err(|err| ArtifactError::Corrupt {
        input: input.to_owned(),
        what: format!("{} stream: {err}", compression_name(compression)),
    })?;
    let mut stream = Guarded {
        inner: decoder,
        consumed,
        compressed: compression != Compression::None,
        unpacked: 0,
        // Headers, pax records and padding are not file content, but they are bounded too: a tar stream is at
        // most its files plus a few blocks per entry.
        max_unpacked: limits
            .max_total_size
            .saturating_add(limits.max_entries.saturating_mul(4 << 10)),
        max_ratio: limits.max_ratio,
        failure: None,
    };
    let mut collector = Collector::new(input, limits);
    let outcome = read_entries(&mut stream, &mut collector);
    let outcome = outcome.and_then(|()| {
        // The tar ends at its zero blocks; what follows in the compressed stream is read so that its checks
        // (gzip's CRC and length, xz's index) run.
        io::copy(&mut stream, &mut io::sink())
            .map(drop)
            .map_err(|err| Failure::Io { entry: None, err })
    });
    match outcome {
        Ok(()) => Ok(collector.finish()),
        Err(failure) => Err(explain(failure, &stream, &collector, compression)),
    }
}

/// Why reading stopped.
enum Failure {
    /// An I/O error from the tar reader or below it, during entry `entry` (1-based), if in one.
    Io {
        entry: Option<(u64, String)>,
        err: io::Error,
    },
    /// A limit or rule of the collector.
    Artifact(ArtifactError),
}

fn read_entries<R: Read>(stream: R, collector: &mut Collector<'_>) -> Result<(), Failure> {
    let mut archive = tar::Archive::new(stream);
    let entries = archive
        .entries()
        .map_err(|err| Failure::Io { entry: None, err })?;
    let mut index = 0u64;
    for entry in entries {
        index += 1;
        let mut entry = entry.map_err(|err| Failure::Io {
            entry: Some((index, String::new())),
            err,
        })?;
        collector.count_entry().map_err(Failure::Artifact)?;
        let raw = entry.path_bytes().into_owned();
        let kind = entry.header().entry_type();
        use tar::EntryType as T;
        match kind {
            T::Regular | T::Continuous | T::GNUSparse => {}
            T::Directory => {
                collector.directory(&raw);
                continue;
            }
            T::Symlink | T::Link => {
                let target = entry
                    .link_name_bytes()
                    .map(|t| String::from_utf8_lossy(&t).into_owned())
                    .unwrap_or_default();
                let what = if kind == T::Symlink {
                    "symbolic link"
                } else {
                    "hard link"
                };
                collector.skip(
                    &raw,
                    format!("{what} to {target:?}: only regular files are read"),
                );
                continue;
            }
            T::Char | T::Block => {
                collector.skip(&raw, "device file: only regular files are read");
                continue;
            }
            T::Fifo => {
                collector.skip(&raw, "FIFO: only regular files are read");
                continue;
            }
            // pax global headers and GNU volume labels describe the archive, not a file.
            T::XGlobalHeader => continue,
            other if other.as_byte() == b'V' => continue,
            other => {
                collector.skip(
                    &raw,
                    format!("entry type {:?} is not a file", other.as_byte() as char),
                );
                continue;
            }
        }
        let Some(path) = collector.file_path(&raw, &raw) else {
            continue;
        };
        let size = entry.size();
        collector
            .check_size(&path, size)
            .map_err(Failure::Artifact)?;
        // The size is checked, but the allocation still only grows as bytes arrive: a header may lie.
        let mut data = Vec::with_capacity(size.min(1 << 20) as usize);
        entry
            .by_ref()
            .take(size)
            .read_to_end(&mut data)
            .map_err(|err| Failure::Io {
                entry: Some((index, path.clone())),
                err,
            })?;
        if (data.len() as u64) < size {
            return Err(Failure::Io {
                entry: Some((index, path)),
                err: io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("file data ends after {} of {size} bytes", data.len()),
                ),
            });
        }
        collector.file(&raw, path, data);
    }
    Ok(())
}

/// Turns a failure into the error naming the input, what went wrong and where.
fn explain<R>(
    failure: Failure,
    stream: &Guarded<R>,
    collector: &Collector<'_>,
    compression: Compression,
) -> ArtifactError {
    if let Some(error) = stream.failure.as_ref() {
        return match error {
            StreamFailure::Limit { what, limit } => collector.limit(what.clone(), *limit),
            StreamFailure::Decode(message) => collector.corrupt(format!(
                "{} stream corrupt or truncated after {} compressed bytes ({} unpacked): {message}",
                compression_name(compression),
                stream.consumed.get(),
                stream.unpacked
            )),
        };
    }
    match failure {
        Failure::Artifact(error) => error,
        Failure::Io { entry, err } => {
            let at = match entry {
                Some((index, path)) if !path.is_empty() => format!("tar entry {index} ({path})"),
                Some((index, _)) => format!("tar header {index}"),
                None => "tar stream".to_owned(),
            };
            let eof = if err.kind() == io::ErrorKind::UnexpectedEof {
                ", truncated"
            } else {
                ""
            };
            collector.corrupt(format!("{at} near offset {}{eof}: {err}", stream.unpacked))
        }
    }
}

fn compression_name(compression: Compression) -> &'static str {
    match compression {
        Compression::None => "tar",
        Compression::Gzip => "gzip",
        Compression::Xz => "xz",
        Compression::Bzip2 => "bzip2",
        Compression::Zstd => "zstd",
    }
}

/// The decompressor for `compression` over `source`.
fn decoder<'a>(
    compression: Compression,
    source: CountingSlice<'a>,
) -> io::Result<Box<dyn Read + 'a>> {
    Ok(match compression {
        Compression::None => Box::new(source),
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(source)),
        Compression::Xz => Box::new(xz_decoder(source)),
        Compression::Bzip2 => Box::new(bzip2::read::MultiBzDecoder::new(source)),
        Compression::Zstd => Box::new(zstd_decoder(source)?),
    })
}

fn xz_decoder(source: CountingSlice<'_>) -> impl Read + '_ {
    lzma_rust2::XzReader::new(source, true)
}

fn zstd_decoder(source: CountingSlice<'_>) -> io::Result<impl Read + '_> {
    zstd::stream::read::Decoder::new(source)
}

/// The input bytes, read front to back, with the count of bytes handed to the decompressor shared with the
/// [`Guarded`] stream that checks the ratio.
struct CountingSlice<'a> {
    bytes: &'a [u8],
    consumed: Rc<Cell<u64>>,
}

impl Read for CountingSlice<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.bytes.read(buf)?;
        self.consumed.set(self.consumed.get() + n as u64);
        Ok(n)
    }
}

/// Why the decompressed stream stopped: kept so that the error says what happened below the tar reader, whatever
/// the tar reader made of it.
enum StreamFailure {
    Limit { what: String, limit: u64 },
    Decode(String),
}

/// The decompressed stream, counted and bounded.
struct Guarded<R> {
    inner: R,
    consumed: Rc<Cell<u64>>,
    compressed: bool,
    unpacked: u64,
    max_unpacked: u64,
    max_ratio: u64,
    failure: Option<StreamFailure>,
}

impl<R: Read> Read for Guarded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.failure.is_some() {
            return Err(io::Error::other("stream stopped"));
        }
        let n = match self.inner.read(buf) {
            Ok(n) => n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => return Err(err),
            Err(err) => {
                let message = err.to_string();
                self.failure = Some(StreamFailure::Decode(message));
                return Err(err);
            }
        };
        self.unpacked += n as u64;
        if self.unpacked > self.max_unpacked {
            self.failure = Some(StreamFailure::Limit {
                what: format!(
                    "the tar stream unpacks to more than {} bytes",
                    self.max_unpacked
                ),
                limit: self.max_unpacked,
            });
        } else if self.compressed && self.unpacked > Limits::RATIO_GRACE {
            let consumed = self.consumed.get().max(1);
            if self.unpacked / consumed > self.max_ratio {
                self.failure = Some(StreamFailure::Limit {
                    what: format!(
                        "compression ratio above {}: {} bytes unpacked from {consumed} (a decompression bomb?)",
                        self.max_ratio, self.unpacked
                    ),
                    limit: self.max_ratio,
                });
            }
        }
        if self.failure.is_some() {
            return Err(io::Error::other("limit reached"));
        }
        Ok(n)
    }
}
