//! A stored result read as it is decompressed: a cached answer of megabytes (the API of a whole
//! distribution tree is 150 MB of text) is passed on chunk by chunk, never held whole, the
//! counterpart of [`crate::ResultWriter`].

use std::io::{self, Read};

use crate::{ResultKey, StoreError};

/// A result's bytes, decompressed as they are read ([`Read`]); [`crate::Store::read_result`]
/// opens one.
///
/// The stored (compressed) bytes are checked against their sha256 before the reader exists, so a
/// corrupted result is refused before its first byte is passed on. The decompressed size is
/// checked as the reader goes: more bytes than recorded, or the end before them, is an
/// `InvalidData` error holding [`StoreError::CorruptResult`].
pub struct ResultReader {
    source: Source,
    /// The recorded size of the result.
    size: u64,
    /// How many bytes were read so far.
    read: u64,
    key: ResultKey,
}

enum Source {
    /// Checked compressed bytes, decompressed as they are read.
    Compressed(Box<zstd::stream::read::Decoder<'static, io::Cursor<Vec<u8>>>>),
    /// A result stored without the digest of its compressed bytes (before schema 2): decompressed
    /// whole and checked against the digest of the result itself first.
    Checked(io::Cursor<Vec<u8>>),
}

impl ResultReader {
    /// A reader of `compressed`, whose sha256 was checked, decompressing to `size` bytes.
    pub(crate) fn compressed(
        compressed: Vec<u8>,
        size: u64,
        key: &ResultKey,
    ) -> Result<ResultReader, StoreError> {
        let decoder = zstd::stream::read::Decoder::with_buffer(io::Cursor::new(compressed))
            .map_err(|source| StoreError::Io {
                what: format!("decompress result {key}"),
                path: Default::default(),
                source,
            })?;
        Ok(ResultReader {
            source: Source::Compressed(Box::new(decoder)),
            size,
            read: 0,
            key: key.clone(),
        })
    }

    /// A reader of `data`, the whole result, checked.
    pub(crate) fn checked(data: Vec<u8>, key: &ResultKey) -> ResultReader {
        ResultReader {
            size: data.len() as u64,
            source: Source::Checked(io::Cursor::new(data)),
            read: 0,
            key: key.clone(),
        }
    }

    /// The size of the whole result, as recorded.
    pub fn size(&self) -> u64 {
        self.size
    }

    fn corrupt(&self, detail: String) -> io::Error {
        io::Error::new(
            io::ErrorKind::InvalidData,
            crate::corrupt_result(&self.key, detail),
        )
    }
}

impl Read for ResultReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = match &mut self.source {
            Source::Compressed(decoder) => decoder
                .read(buf)
                .map_err(|err| self.corrupt(format!("does not decompress: {err}")))?,
            Source::Checked(data) => data.read(buf)?,
        };
        self.read += n as u64;
        let short = n == 0 && !buf.is_empty() && self.read < self.size;
        if self.read > self.size || short {
            let more = if short { "" } else { " or more" };
            return Err(self.corrupt(format!("{}{more} bytes, {} recorded", self.read, self.size)));
        }
        Ok(n)
    }
}
