//! Type sizes of the gc compiler per architecture (go/types' `SizesFor("gc", arch)`), for
//! `unsafe.Sizeof`, `Alignof` and `Offsetof` in constant expressions.

/// Word size and maximum alignment of an architecture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sizes {
    /// Size of a word (pointer, `int`, `uintptr`) in bytes.
    pub word_size: u64,
    /// Maximum alignment in bytes.
    pub max_align: u64,
}

impl Sizes {
    /// The gc compiler's sizes for `goarch` (amd64's for unknown architectures).
    pub fn for_arch(goarch: &str) -> Sizes {
        let (word_size, max_align) = match goarch {
            "386" | "arm" | "mips" | "mipsle" => (4, 4),
            "amd64p32" => (4, 8),
            _ => (8, 8),
        };
        Sizes {
            word_size,
            max_align,
        }
    }
}
