//! A tar entry whose header is written by hand, for hostile archives no writer would make. Shared by the reader
//! tests (`gofed-artifact/tests/archive.rs`) and the CLI tests (`gofed/tests/it/artifact.rs`).

/// A tar entry whose header is written by hand, name bytes included, so that no writer's checks apply.
pub fn raw_entry(
    builder: &mut tar::Builder<Vec<u8>>,
    name: &[u8],
    kind: tar::EntryType,
    link: Option<&[u8]>,
    data: &[u8],
) {
    let mut header = tar::Header::new_gnu();
    {
        let gnu = header.as_gnu_mut().expect("gnu header");
        gnu.name = [0; 100];
        gnu.name[..name.len()].copy_from_slice(name);
        if let Some(link) = link {
            gnu.linkname = [0; 100];
            gnu.linkname[..link.len()].copy_from_slice(link);
        }
    }
    header.set_entry_type(kind);
    header.set_mode(0o644);
    header.set_size(data.len() as u64);
    header.set_cksum();
    builder.append(&header, data).expect("append");
}
