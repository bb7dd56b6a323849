//! An RPM's payload: a gzip, xz, zstd or bzip2 compressed (or plain) cpio archive in the "newc" format, decompressed
//! as a stream and bounded by [`Limits`] as it is read. Sizes in the cpio headers are never trusted: a file's
//! bytes are read up to its declared size, which must be within the limits first.

use crate::{ArtifactError, File, Limits, Warning};
use std::collections::BTreeMap;
use std::io::{self, Read};

/// The "newc" magic: ASCII cpio with 8-digit hex fields.
const NEWC_MAGIC: &[u8; 6] = b"070701";
/// The newc header: magic and 13 fields of 8 hex digits.
const NEWC_HEADER_SIZE: usize = 110;
/// The name of the entry that ends the archive.
const TRAILER: &[u8] = b"TRAILER!!!";
/// Longest entry name read (Linux's PATH_MAX): a longer one is corruption, not a path.
const MAX_NAME: usize = 4096;

/// The regular files of a payload and the entries left out.
pub(crate) struct Payload {
    /// Sorted by path, each path once; paths relative to `/`.
    pub(crate) files: Vec<File>,
    pub(crate) warnings: Vec<Warning>,
}

/// Reads the payload `compressed` of the RPM `input`, `input_size` bytes in all (the base of the ratio limit).
pub(crate) fn read_payload(
    input: &str,
    compressed: &[u8],
    input_size: u64,
    limits: &Limits,
) -> Result<Payload, ArtifactError> {
    let (compression, reader): (&str, Box<dyn Read + '_>) = if compressed.starts_with(b"\x1f\x8b") {
        (
            "gzip",
            Box::new(flate2::read::MultiGzDecoder::new(compressed)),
        )
    } else if compressed.starts_with(b"\xfd7zXZ\x00") {
        ("xz", Box::new(lzma_rust2::XzReader::new(compressed, true)))
    } else if compressed.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        let decoder = zstd::stream::read::Decoder::with_buffer(compressed).map_err(|err| {
            ArtifactError::Corrupt {
                input: input.to_owned(),
                what: format!("corrupt zstd payload: {err}"),
            }
        })?;
        ("zstd", Box::new(decoder))
    } else if compressed.starts_with(b"BZh") {
        // Older RPMs (rpm 4.4 era and some third-party builders).
        (
            "bzip2",
            Box::new(bzip2::read::MultiBzDecoder::new(compressed)),
        )
    } else if compressed.starts_with(b"0707") {
        ("uncompressed", Box::new(compressed))
    } else if compressed.len() < 6 {
        // Shorter than any magic number: cut off, whatever it was going to be.
        return Err(ArtifactError::Corrupt {
            input: input.to_owned(),
            what: format!(
                "truncated RPM: {} bytes of payload after the header",
                compressed.len()
            ),
        });
    } else {
        return Err(ArtifactError::Unusable {
            input: input.to_owned(),
            what: format!(
                "RPM payload in an unsupported compression (not gzip, xz, zstd or bzip2; starts with {:02x?})",
                &compressed[..compressed.len().min(6)]
            ),
        });
    };
    // cpio reads are small (110-byte headers, names); decompressing a buffer at a time instead of a header at a
    // time is what keeps a 30,000-entry payload fast (measured: 69 s -> under 1 s in a debug build).
    let reader = io::BufReader::with_capacity(64 << 10, reader);
    read_cpio(input, compression, reader, input_size, limits)
}

/// Reads a newc cpio stream; `compression` names the stream in errors.
pub(crate) fn read_cpio(
    input: &str,
    compression: &str,
    reader: impl Read,
    input_size: u64,
    limits: &Limits,
) -> Result<Payload, ArtifactError> {
    let mut stream = Stream {
        reader,
        consumed: 0,
        input,
        compression,
        input_size,
        limits,
    };
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut warnings = Vec::new();
    let mut entries = 0u64;
    let mut total = 0u64;
    let warn = |warnings: &mut Vec<Warning>, entry: &str, reason: &str| {
        warnings.push(Warning {
            input: input.to_owned(),
            entry: entry.to_owned(),
            reason: reason.to_owned(),
        });
    };
    loop {
        let mut header = [0u8; NEWC_HEADER_SIZE];
        stream.read_exact(&mut header, "a cpio header")?;
        if &header[..6] != NEWC_MAGIC {
            return Err(stream.corrupt(format!(
                "not a newc cpio header at payload byte {} (magic {:?})",
                stream.consumed - NEWC_HEADER_SIZE as u64,
                String::from_utf8_lossy(&header[..6])
            )));
        }
        let field = |i: usize| -> Result<u64, ArtifactError> {
            let digits = &header[6 + 8 * i..14 + 8 * i];
            std::str::from_utf8(digits)
                .ok()
                .and_then(|d| u64::from_str_radix(d, 16).ok())
                .ok_or_else(|| {
                    stream.corrupt(format!(
                        "cpio header field {i} is not hex: {:?}",
                        String::from_utf8_lossy(digits)
                    ))
                })
        };
        let mode = field(1)?;
        let nlink = field(4)?;
        let size = field(6)?;
        let name_size = field(11)? as usize;
        if name_size == 0 || name_size > MAX_NAME {
            return Err(stream.corrupt(format!("cpio entry name of {name_size} bytes")));
        }
        let mut name = vec![0u8; name_size];
        stream.read_exact(&mut name, "a cpio entry name")?;
        if name.pop() != Some(0) {
            return Err(stream.corrupt("cpio entry name not NUL-terminated".to_owned()));
        }
        // The name is padded so that header and name end on a multiple of 4.
        stream.skip(pad4(NEWC_HEADER_SIZE + name_size))?;
        if name == TRAILER {
            // The rest (padding) is read too: a compressed stream's checksum is at its very end, and only
            // reading up to it tells a damaged stream from an intact one.
            stream.drain()?;
            break;
        }
        let shown = String::from_utf8_lossy(&name).into_owned();
        entries += 1;
        if entries > limits.max_entries {
            return Err(ArtifactError::Limit {
                input: input.to_owned(),
                what: format!("more than {} entries", limits.max_entries),
                limit: limits.max_entries,
            });
        }
        // Any entry's data is decompressed, kept or not: bound it before reading.
        if size > limits.max_file_size {
            return Err(ArtifactError::Limit {
                input: input.to_owned(),
                what: format!("{shown}: {size} bytes"),
                limit: limits.max_file_size,
            });
        }
        let kept = match mode & 0o170000 {
            0o100000 if nlink > 1 && size == 0 => {
                // In newc the data of hard-linked files is in the last of them; the others are empty.
                warn(&mut warnings, &shown, "hard link skipped");
                None
            }
            0o100000 => match clean_path(&name) {
                Ok(path) => Some(path),
                Err(reason) => {
                    warn(&mut warnings, &shown, reason);
                    None
                }
            },
            0o040000 => None,
            0o120000 => {
                warn(&mut warnings, &shown, "symbolic link skipped");
                None
            }
            0o020000 | 0o060000 => {
                warn(&mut warnings, &shown, "device file skipped");
                None
            }
            0o010000 => {
                warn(&mut warnings, &shown, "FIFO skipped");
                None
            }
            _ => {
                warn(&mut warnings, &shown, "not a regular file, skipped");
                None
            }
        };
        match kept {
            Some(path) => {
                if total + size > limits.max_total_size {
                    return Err(ArtifactError::Limit {
                        input: input.to_owned(),
                        what: format!("more than {} bytes unpacked", limits.max_total_size),
                        limit: limits.max_total_size,
                    });
                }
                let data = stream.read_data(size)?;
                total += size;
                if files.insert(path, data).is_some() {
                    warn(&mut warnings, &shown, "duplicate entry, the last one kept");
                }
            }
            None => stream.skip(size)?,
        }
        stream.skip(pad4(size as usize))?;
        stream.check_ratio()?;
    }
    Ok(Payload {
        files: files
            .into_iter()
            .map(|(path, data)| File { path, data })
            .collect(),
        warnings,
    })
}

/// Padding after `len` bytes to the next multiple of 4.
fn pad4(len: usize) -> u64 {
    ((4 - len % 4) % 4) as u64
}

/// An entry name as a relative `/`-separated path (`./a/b` and `a//b` are `a/b`), or why it is refused.
pub(crate) fn clean_path(name: &[u8]) -> Result<String, &'static str> {
    let name = std::str::from_utf8(name).map_err(|_| "path is not UTF-8, skipped")?;
    if name.starts_with('/') {
        return Err("absolute path refused");
    }
    let mut parts = Vec::new();
    for part in name.split('/') {
        match part {
            "" | "." => {}
            ".." => return Err("path with `..` refused"),
            part => parts.push(part),
        }
    }
    if parts.is_empty() {
        return Err("empty path refused");
    }
    Ok(parts.join("/"))
}

/// The decompressed stream, counting what it produced.
struct Stream<'a, R> {
    reader: R,
    /// Bytes decompressed so far: headers, names and skipped data too.
    consumed: u64,
    input: &'a str,
    compression: &'a str,
    /// The whole input's size, the base of the compression ratio.
    input_size: u64,
    limits: &'a Limits,
}

/// Data is read in pieces of this size so that the ratio limit stops a bomb within one file.
const CHUNK: u64 = 1 << 20;

impl<R: Read> Stream<'_, R> {
    /// The compression ratio limit: unpacked bytes against the whole input.
    fn check_ratio(&self) -> Result<(), ArtifactError> {
        if self.consumed > Limits::RATIO_GRACE
            && self.consumed > self.limits.max_ratio.saturating_mul(self.input_size)
        {
            return Err(ArtifactError::Limit {
                input: self.input.to_owned(),
                what: format!(
                    "compression ratio above {}: {} bytes unpacked from {}",
                    self.limits.max_ratio, self.consumed, self.input_size
                ),
                limit: self.limits.max_ratio,
            });
        }
        Ok(())
    }

    fn corrupt(&self, what: String) -> ArtifactError {
        ArtifactError::Corrupt {
            input: self.input.to_owned(),
            what: format!("{} payload: {what}", self.compression),
        }
    }

    fn io_error(&self, err: &io::Error, reading: &str) -> ArtifactError {
        if err.kind() == io::ErrorKind::UnexpectedEof {
            self.corrupt(format!("truncated while reading {reading}"))
        } else {
            self.corrupt(format!("corrupt while reading {reading}: {err}"))
        }
    }

    fn read_exact(&mut self, buf: &mut [u8], reading: &str) -> Result<(), ArtifactError> {
        self.reader
            .read_exact(buf)
            .map_err(|err| self.io_error(&err, reading))?;
        self.consumed += buf.len() as u64;
        Ok(())
    }

    /// Reads `size` bytes (already checked against the limits), growing the buffer as bytes arrive rather than
    /// allocating the declared size up front.
    fn read_data(&mut self, size: u64) -> Result<Vec<u8>, ArtifactError> {
        let mut data = Vec::with_capacity(size.min(CHUNK) as usize);
        self.copy(size, &mut data)?;
        Ok(data)
    }

    /// Skips `size` bytes of data.
    fn skip(&mut self, size: u64) -> Result<(), ArtifactError> {
        self.copy(size, &mut io::sink())
    }

    /// Reads to the end of the stream, checking the ratio as it goes.
    fn drain(&mut self) -> Result<(), ArtifactError> {
        loop {
            let got = io::copy(&mut (&mut self.reader).take(CHUNK), &mut io::sink())
                .map_err(|err| self.io_error(&err, "the end of the payload"))?;
            self.consumed += got;
            self.check_ratio()?;
            if got < CHUNK {
                return Ok(());
            }
        }
    }

    /// Copies `size` bytes to `out` a chunk at a time, checking the ratio after each.
    fn copy(&mut self, size: u64, out: &mut impl io::Write) -> Result<(), ArtifactError> {
        let mut left = size;
        while left > 0 {
            let want = left.min(CHUNK);
            let got = io::copy(&mut (&mut self.reader).take(want), out)
                .map_err(|err| self.io_error(&err, "entry data"))?;
            self.consumed += got;
            if got < want {
                return Err(self.corrupt(format!(
                    "truncated: an entry declared {size} bytes, {} were there",
                    size - left + got
                )));
            }
            left -= got;
            self.check_ratio()?;
        }
        Ok(())
    }
}
