//! The bounds every reader keeps: defaults a packager never reaches, raised by options when one does.

/// Bounds on what reading one artifact may unpack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Most entries (files, directories, links, ...) read.
    pub max_entries: u64,
    /// Largest single file, in bytes.
    pub max_file_size: u64,
    /// Most bytes of file content in all.
    pub max_total_size: u64,
    /// Largest ratio of unpacked bytes to the compressed input's bytes, checked once the unpacked size passes
    /// [`Limits::RATIO_GRACE`] (a tiny archive may expand a lot).
    pub max_ratio: u64,
}

impl Limits {
    /// Below this many unpacked bytes the compression ratio is not checked.
    pub const RATIO_GRACE: u64 = 16 << 20;
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            // The biggest Go trees with vendored code have a few tens of thousands of files.
            max_entries: 200_000,
            max_file_size: 256 << 20,
            max_total_size: 4 << 30,
            // Go source compresses 5-10x with xz; 100x only comes from padding or repetition.
            max_ratio: 100,
        }
    }
}
