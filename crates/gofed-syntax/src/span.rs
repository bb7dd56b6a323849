//! Byte offsets, spans and line/column lookup.
//!
//! Offsets are `u32` byte offsets into one file's source (ruff's `TextSize`): a file must be
//! smaller than 4 GiB, which [`check_len`] verifies before lexing. Lines and columns are computed
//! only when something is shown, from a [`LineIndex`]; columns are 1-based byte counts, as in
//! Go's `go/token`, so positions match Go's tools.

/// The largest source gofed accepts: offsets are `u32`.
pub const MAX_SOURCE_LEN: usize = u32::MAX as usize;

/// A half-open byte range `start..end` in one file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

const _: () = assert!(std::mem::size_of::<Span>() == 8);

impl Span {
    /// A span from `start` to `end`.
    #[inline]
    pub const fn new(start: u32, end: u32) -> Span {
        Span { start, end }
    }

    /// An empty span at `offset`.
    #[inline]
    pub const fn empty(offset: u32) -> Span {
        Span {
            start: offset,
            end: offset,
        }
    }

    /// Length in bytes.
    #[inline]
    pub const fn len(self) -> u32 {
        self.end - self.start
    }

    /// Whether the span covers no byte.
    #[inline]
    pub const fn is_empty(self) -> bool {
        self.start == self.end
    }

    /// The smallest span covering both.
    #[inline]
    pub fn cover(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// The bytes of `src` this span covers (empty if out of bounds).
    #[inline]
    pub fn slice(self, src: &[u8]) -> &[u8] {
        src.get(self.start as usize..self.end as usize)
            .unwrap_or_default()
    }

    /// The text of `src` this span covers (lossy only if the span splits a character).
    #[inline]
    pub fn text(self, src: &[u8]) -> &str {
        std::str::from_utf8(self.slice(src)).unwrap_or("")
    }
}

/// Error returned when a source is too large for `u32` offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("source is {len} bytes; gofed reads files up to 4 GiB")]
pub struct SourceTooLarge {
    /// The source's length.
    pub len: usize,
}

/// Checks that `src` fits `u32` offsets.
pub fn check_len(src: &[u8]) -> Result<(), SourceTooLarge> {
    if src.len() >= MAX_SOURCE_LEN {
        Err(SourceTooLarge { len: src.len() })
    } else {
        Ok(())
    }
}

/// 1-based line and column (column in bytes, like `go/token.Position`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    /// 1-based line.
    pub line: u32,
    /// 1-based byte column.
    pub col: u32,
}

/// Line starts of one file, built on demand when a position must be shown.
#[derive(Clone, Debug)]
pub struct LineIndex {
    line_starts: Vec<u32>,
}

impl LineIndex {
    /// Indexes the newlines of `src`.
    pub fn new(src: &[u8]) -> LineIndex {
        let mut line_starts = Vec::with_capacity(src.len() / 32 + 1);
        line_starts.push(0);
        line_starts.extend(memchr::memchr_iter(b'\n', src).map(|i| i as u32 + 1));
        // As go/token: a newline ending the file starts no new line, so the end of input is
        // on the last line.
        if line_starts.len() > 1 && line_starts.last() == Some(&(src.len() as u32)) {
            line_starts.pop();
        }
        LineIndex { line_starts }
    }

    /// Line and column of `offset`.
    pub fn line_col(&self, offset: u32) -> LineCol {
        let line_idx = match self.line_starts.binary_search(&offset) {
            Ok(idx) => idx,
            Err(idx) => idx - 1,
        };
        LineCol {
            line: line_idx as u32 + 1,
            col: offset - self.line_starts[line_idx] + 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_is_one_based_bytes() {
        let idx = LineIndex::new(b"ab\nc\n\nxyz");
        assert_eq!(idx.line_col(0), LineCol { line: 1, col: 1 });
        assert_eq!(idx.line_col(2), LineCol { line: 1, col: 3 });
        assert_eq!(idx.line_col(3), LineCol { line: 2, col: 1 });
        assert_eq!(idx.line_col(6), LineCol { line: 4, col: 1 });
        assert_eq!(idx.line_col(8), LineCol { line: 4, col: 3 });
    }

    #[test]
    fn end_after_final_newline_is_on_the_last_line() {
        let idx = LineIndex::new(b"ab\ncd\n");
        assert_eq!(idx.line_col(6), LineCol { line: 2, col: 4 });
    }
}
