//! Recognising an input by its first bytes, never by its name.

use std::fmt;

/// What an input is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A directory on this machine.
    Directory,
    /// A tar archive, compressed or not.
    Tar(Compression),
    /// A zip archive (a Go module zip among them).
    Zip,
    /// A binary RPM.
    Rpm,
    /// A source RPM.
    Srpm,
    /// A git repository at a revision.
    Git,
}

/// The compression around a tar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Compression {
    /// None.
    None,
    /// gzip (`.tar.gz`, `.tgz`).
    Gzip,
    /// xz (`.tar.xz`).
    Xz,
    /// bzip2 (`.tar.bz2`).
    Bzip2,
    /// zstd (`.tar.zst`).
    Zstd,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Directory => "directory",
            Kind::Tar(Compression::None) => "tar",
            Kind::Tar(Compression::Gzip) => "tar.gz",
            Kind::Tar(Compression::Xz) => "tar.xz",
            Kind::Tar(Compression::Bzip2) => "tar.bz2",
            Kind::Tar(Compression::Zstd) => "tar.zst",
            Kind::Zip => "zip",
            Kind::Rpm => "rpm",
            Kind::Srpm => "srpm",
            Kind::Git => "git",
        })
    }
}

/// The RPM lead's magic; the lead's type (bytes 6..8, big-endian) is 0 for a binary and 1 for a source package.
const RPM_MAGIC: [u8; 4] = [0xed, 0xab, 0xee, 0xdb];

/// What `bytes` are, from their magic numbers; `None` when no reader of this crate knows them. A compressed
/// stream is taken for a compressed tar: whether it holds one is found when it is read.
pub fn sniff(bytes: &[u8]) -> Option<Kind> {
    if bytes.starts_with(&RPM_MAGIC) {
        return match bytes.get(6..8) {
            Some([0, 0]) => Some(Kind::Rpm),
            Some([0, 1]) => Some(Kind::Srpm),
            _ => None,
        };
    }
    if bytes.starts_with(b"\x1f\x8b") {
        return Some(Kind::Tar(Compression::Gzip));
    }
    if bytes.starts_with(b"\xfd7zXZ\x00") {
        return Some(Kind::Tar(Compression::Xz));
    }
    if bytes.starts_with(b"BZh") && bytes.get(3).is_some_and(|b| (b'1'..=b'9').contains(b)) {
        return Some(Kind::Tar(Compression::Bzip2));
    }
    if bytes.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        return Some(Kind::Tar(Compression::Zstd));
    }
    // A local file header, or the end record of an empty zip.
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return Some(Kind::Zip);
    }
    if is_tar_header(bytes) {
        return Some(Kind::Tar(Compression::None));
    }
    None
}

/// Whether `bytes` start with a tar header: POSIX/GNU headers say `ustar` at offset 257; old (v7) headers have
/// no magic, so their checksum decides.
fn is_tar_header(bytes: &[u8]) -> bool {
    let Some(header) = bytes.get(..512) else {
        return false;
    };
    if &header[257..262] == b"ustar" {
        return true;
    }
    // The checksum (octal, at 148..156) is the sum of the header's bytes with its own field taken as spaces.
    let field = &header[148..156];
    let digits: String = field
        .iter()
        .map(|&b| b as char)
        .take_while(|c| *c != '\0' && *c != ' ')
        .skip_while(|c| *c == ' ')
        .collect();
    let Ok(expected) = u32::from_str_radix(&digits, 8) else {
        return false;
    };
    let sum: u32 = header
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                u32::from(b' ')
            } else {
                u32::from(b)
            }
        })
        .sum();
    // An all-zero block sums to 256 with the spaces: that is the end of an archive, not a header.
    header[0] != 0 && sum == expected
}

/// A short description of unrecognised bytes for an error: `": starts with ..."`, or `": empty"`.
pub fn hint(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return ": empty".to_owned();
    }
    let shown: String = bytes
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ");
    format!(": starts with {shown}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_magic_numbers_not_names() {
        assert_eq!(
            sniff(b"\x1f\x8b\x08\x00"),
            Some(Kind::Tar(Compression::Gzip))
        );
        assert_eq!(sniff(b"\xfd7zXZ\x00\x00"), Some(Kind::Tar(Compression::Xz)));
        assert_eq!(sniff(b"BZh91AY&SY"), Some(Kind::Tar(Compression::Bzip2)));
        assert_eq!(sniff(b"BZhx"), None);
        assert_eq!(
            sniff(&[0x28, 0xb5, 0x2f, 0xfd, 0]),
            Some(Kind::Tar(Compression::Zstd))
        );
        assert_eq!(sniff(b"PK\x03\x04rest"), Some(Kind::Zip));
        assert_eq!(
            sniff(&[0xed, 0xab, 0xee, 0xdb, 3, 0, 0, 0]),
            Some(Kind::Rpm)
        );
        assert_eq!(
            sniff(&[0xed, 0xab, 0xee, 0xdb, 3, 0, 0, 1]),
            Some(Kind::Srpm)
        );
        assert_eq!(sniff(&[0xed, 0xab, 0xee, 0xdb, 3, 0, 0, 7]), None);
        assert_eq!(sniff(&[0xed, 0xab, 0xee]), None);
        assert_eq!(sniff(b"package main\n"), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn recognises_tar_headers_with_and_without_magic() {
        let mut header = [0u8; 512];
        header[..5].copy_from_slice(b"a.go\0");
        header[124..135].copy_from_slice(b"00000000000");
        let sum: u32 = header.iter().map(|&b| u32::from(b)).sum::<u32>() + 8 * u32::from(b' ');
        let field = format!("{sum:06o}\0 ");
        header[148..156].copy_from_slice(field.as_bytes());
        assert_eq!(sniff(&header), Some(Kind::Tar(Compression::None)));
        header[0] = b'b';
        assert_eq!(sniff(&header), None, "a wrong checksum is not a tar");
        assert_eq!(sniff(&[0u8; 512]), None, "zeros are not a header");
        let mut ustar = [0u8; 512];
        ustar[257..262].copy_from_slice(b"ustar");
        assert_eq!(sniff(&ustar), Some(Kind::Tar(Compression::None)));
    }

    #[test]
    fn hint_shows_the_first_bytes() {
        assert_eq!(hint(b""), ": empty");
        assert_eq!(hint(b"\x00\x01abc"), ": starts with 00 01 61 62 63");
    }
}
