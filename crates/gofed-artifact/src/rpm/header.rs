//! The lead, the signature header and the main header of an RPM, read with the `rpm` crate after their structure
//! has been checked here.
//!
//! The `rpm` crate trusts the offsets and counts it reads (a hostile header makes it index out of bounds or
//! allocate gigabytes), so every header is first checked the way rpm's own `headerVerify` does: entry count and
//! data size within rpm's limits, each entry's data inside the data section, strings terminated there. Only a
//! header that passes is handed to the crate.

use crate::ArtifactError;
use rpm::IndexTag;

/// The lead: a fixed 96 bytes before the signature header.
const LEAD_SIZE: usize = 96;
/// A header's magic, version 1, then 4 reserved bytes.
const HEADER_MAGIC: [u8; 4] = [0x8e, 0xad, 0xe8, 0x01];
/// The fixed part of a header: magic and version, reserved, entry count, data size.
const INTRO_SIZE: usize = 16;
/// One index entry: tag, type, offset, count.
const ENTRY_SIZE: usize = 16;
/// rpm's `hdrchkTags`: most entries a header may have.
const MAX_ENTRIES: usize = 0xffff;
/// rpm's `hdrchkData`: largest data section.
const MAX_DATA: usize = 0x0fff_ffff;

/// What the headers say that this crate uses.
#[derive(Debug)]
pub(crate) struct Header {
    pub(crate) name: String,
    pub(crate) version: String,
    pub(crate) release: String,
    /// The source RPM a binary RPM was built from (empty for a source RPM).
    pub(crate) source_rpm: String,
    /// A source RPM's sources (file names, in the header's order: the reverse of the spec's).
    pub(crate) sources: Vec<String>,
    /// Where the (compressed) cpio payload starts.
    pub(crate) payload_offset: usize,
}

/// Reads the lead and both headers of the RPM in `bytes`.
pub(crate) fn read(input: &str, bytes: &[u8]) -> Result<Header, ArtifactError> {
    let corrupt = |what: String| ArtifactError::Corrupt {
        input: input.to_owned(),
        what,
    };
    if bytes.len() < LEAD_SIZE {
        return Err(corrupt(format!(
            "truncated RPM: {} bytes, the lead alone is {LEAD_SIZE}",
            bytes.len()
        )));
    }
    let signature_end = check_header(bytes, LEAD_SIZE, "signature header").map_err(corrupt)?;
    // The signature header's end is padded to a multiple of 8 (the lead is 96 bytes, a multiple of 8 too).
    let header_start = signature_end.next_multiple_of(8);
    let payload_offset = check_header(bytes, header_start, "header").map_err(corrupt)?;

    let mut reader = bytes.get(..payload_offset).unwrap_or_default();
    let metadata = rpm::PackageMetadata::parse(&mut reader)
        .map_err(|err| corrupt(format!("corrupt RPM header: {err}")))?;
    let string = |tag: IndexTag| -> Result<String, ArtifactError> {
        metadata
            .header
            .get_entry_data_as_string(tag)
            .map(str::to_owned)
            .map_err(|err| corrupt(format!("RPM header: {tag:?}: {err}")))
    };
    // Absent tags are empty lists; present ones of another type are not a list of names either.
    let strings = |tag: IndexTag| -> Vec<String> {
        metadata
            .header
            .get_entry_data_as_string_array(tag)
            .map(|list| list.into_iter().map(str::to_owned).collect())
            .unwrap_or_default()
    };
    Ok(Header {
        name: string(IndexTag::RPMTAG_NAME)?,
        version: string(IndexTag::RPMTAG_VERSION)?,
        release: string(IndexTag::RPMTAG_RELEASE)?,
        // A source RPM has no SOURCERPM tag.
        source_rpm: string(IndexTag::RPMTAG_SOURCERPM).unwrap_or_default(),
        sources: strings(IndexTag::RPMTAG_SOURCE),
        payload_offset,
    })
}

/// Checks the structure of the header at `start` and returns where it ends; the error says what is wrong.
fn check_header(bytes: &[u8], start: usize, which: &str) -> Result<usize, String> {
    let intro = bytes
        .get(start..start + INTRO_SIZE)
        .ok_or_else(|| format!("truncated RPM: the {which} at byte {start} is cut off"))?;
    if intro[..4] != HEADER_MAGIC {
        return Err(format!(
            "corrupt RPM: no {which} magic at byte {start} (found {:02x?})",
            &intro[..4]
        ));
    }
    let count = be_u32(&intro[8..12]) as usize;
    let data_size = be_u32(&intro[12..16]) as usize;
    if count == 0 || count > MAX_ENTRIES {
        return Err(format!(
            "corrupt RPM: the {which} at byte {start} claims {count} entries"
        ));
    }
    if data_size > MAX_DATA {
        return Err(format!(
            "corrupt RPM: the {which} at byte {start} claims {data_size} bytes of data"
        ));
    }
    let index_start = start + INTRO_SIZE;
    let data_start = index_start + count * ENTRY_SIZE;
    let end = data_start + data_size;
    if end > bytes.len() {
        return Err(format!(
            "truncated RPM: the {which} at byte {start} needs {} bytes, {} are left",
            end - start,
            bytes.len() - start
        ));
    }
    let data = &bytes[data_start..end];
    for (i, entry) in bytes[index_start..data_start]
        .chunks_exact(ENTRY_SIZE)
        .enumerate()
    {
        let tag = be_u32(&entry[0..4]);
        let kind = be_u32(&entry[4..8]);
        let offset = be_u32(&entry[8..12]) as usize;
        let items = be_u32(&entry[12..16]) as usize;
        let bad = |why: &str| format!("corrupt RPM: {which} entry {i} (tag {tag}): {why}");
        // The offset is signed in the format: a negative one is above MAX_DATA here.
        if offset > data.len() {
            return Err(bad("data offset outside the header"));
        }
        let rest = &data[offset..];
        let fixed = |size: usize| {
            if items.saturating_mul(size) > rest.len() {
                Err(bad("data runs past the header"))
            } else {
                Ok(())
            }
        };
        match kind {
            0 => {}
            1 | 2 | 7 => fixed(1)?,
            3 => fixed(2)?,
            4 => fixed(4)?,
            5 => fixed(8)?,
            // STRING holds one string; STRING_ARRAY and I18NSTRING `items` strings, each NUL-terminated.
            6 | 8 | 9 => {
                let wanted = if kind == 6 { 1 } else { items };
                if wanted > rest.len()
                    || rest.iter().filter(|&&b| b == 0).take(wanted).count() < wanted
                {
                    return Err(bad("strings run past the header"));
                }
            }
            _ => return Err(bad(&format!("unknown data type {kind}"))),
        }
    }
    Ok(end)
}

fn be_u32(bytes: &[u8]) -> u32 {
    bytes
        .iter()
        .take(4)
        .fold(0, |value, &b| (value << 8) | u32::from(b))
}
