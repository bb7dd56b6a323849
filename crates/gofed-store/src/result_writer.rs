//! A result's bytes compressed and digested as they are written: a big result (the API of
//! a whole distribution tree is 150 MB of text) is never held whole a second time to be
//! stored.

use std::io::{self, Write};

use sha2::Digest as _;

use crate::Sha256;

/// The zstd level of stored results: fast, and JSON compresses well at any level.
const ZSTD_LEVEL: i32 = 3;

/// Takes a result's bytes ([`Write`]); [`crate::Store::put_written_result`] stores them.
pub struct ResultWriter {
    encoder: zstd::stream::Encoder<'static, Vec<u8>>,
    digest: sha2::Sha256,
    size: u64,
}

impl ResultWriter {
    /// An empty result.
    pub fn new() -> io::Result<ResultWriter> {
        Ok(ResultWriter {
            encoder: zstd::stream::Encoder::new(Vec::new(), ZSTD_LEVEL)?,
            digest: sha2::Sha256::new(),
            size: 0,
        })
    }

    /// The compressed bytes, the size and the digest of what was written.
    pub(crate) fn finish(self) -> io::Result<(Vec<u8>, u64, Sha256)> {
        let compressed = self.encoder.finish()?;
        Ok((compressed, self.size, Sha256::from_digest(self.digest)))
    }
}

impl Write for ResultWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.encoder.write(buf)?;
        self.digest.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.encoder.flush()
    }
}
