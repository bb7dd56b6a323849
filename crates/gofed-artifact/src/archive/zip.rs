//! Zip archives (stored and deflated entries), Go module zips among them.

use super::{module_zip_prefix, Collector};
use crate::{Artifact, ArtifactError, Limits};
use std::io::{self, Cursor, Read};

/// Reads a zip archive into memory.
///
/// The central directory is read first, so the entry count is known before anything is inflated. Each entry is
/// inflated in chunks against its declared size (an entry that inflates to more or less than its header says is
/// corrupt), against `max_file_size` and `max_total_size`, and against `max_ratio` both for the entry (unpacked
/// over its compressed size) and for the archive (all unpacked bytes over the archive's size), once past
/// [`Limits::RATIO_GRACE`]; a bomb stops after at most one chunk over a limit.
///
/// A Go module zip (every file under `MODULE@VERSION/`, the module path `!`-escaped as golang.org/x/mod/module's
/// `EscapePath` does) sets the artifact's `import_path` (unescaped), `version`, and `root` (that top).
pub fn read_zip(input: &str, bytes: &[u8], limits: &Limits) -> Result<Artifact, ArtifactError> {
    let mut collector = Collector::new(input, limits);
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|err| collector.corrupt(format!("zip central directory: {err}")))?;
    if archive.len() as u64 > limits.max_entries {
        return Err(collector.limit(
            format!(
                "{} entries in the central directory, more than {}",
                archive.len(),
                limits.max_entries
            ),
            limits.max_entries,
        ));
    }
    let archive_size = (bytes.len() as u64).max(1);
    let mut unpacked_in_all = 0u64;
    for index in 0..archive.len() {
        collector.count_entry()?;
        let listed_name = archive.name_for_index(index).unwrap_or_default().to_owned();
        let mut entry = match archive.by_index(index) {
            Ok(entry) => entry,
            // Encrypted entries and compression methods this build does not read are left out; what else
            // fails here is a broken local header.
            Err(zip::result::ZipError::UnsupportedArchive(why)) => {
                collector.skip(listed_name.as_bytes(), format!("unsupported: {why}"));
                continue;
            }
            Err(err) => {
                return Err(collector.corrupt(format!("zip entry {}: {err}", index + 1)));
            }
        };
        let raw = entry.name_raw().to_owned();
        let name = entry.name().to_owned();
        if entry.is_dir() {
            collector.directory(name.as_bytes());
            continue;
        }
        // Unix file types, when the archive was made on Unix; zip has no other way to say what an entry is.
        match entry.unix_mode().map(|mode| mode & 0o170000) {
            None | Some(0) | Some(0o100000) => {}
            Some(0o040000) => {
                collector.directory(name.as_bytes());
                continue;
            }
            Some(0o120000) => {
                collector.skip(&raw, "symbolic link: only regular files are read");
                continue;
            }
            Some(0o020000) | Some(0o060000) => {
                collector.skip(&raw, "device file: only regular files are read");
                continue;
            }
            Some(0o010000) => {
                collector.skip(&raw, "FIFO: only regular files are read");
                continue;
            }
            Some(other) => {
                collector.skip(&raw, format!("file type {other:o} is not a regular file"));
                continue;
            }
        }
        let Some(path) = collector.file_path(&raw, name.as_bytes()) else {
            continue;
        };
        let declared = entry.size();
        let compressed = entry.compressed_size().max(1);
        collector.check_size(&path, declared)?;
        let mut data = Vec::with_capacity(declared.min(1 << 20) as usize);
        let mut chunk = vec![0u8; 64 << 10];
        loop {
            let n = match entry.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => n,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => {
                    return Err(collector.corrupt(format!(
                        "zip entry {} ({path}) after {} unpacked bytes: {err}",
                        index + 1,
                        data.len()
                    )))
                }
            };
            data.extend_from_slice(&chunk[..n]);
            unpacked_in_all += n as u64;
            let size = data.len() as u64;
            if size > declared {
                return Err(collector.corrupt(format!(
                    "zip entry {} ({path}) unpacks to more than its declared {declared} bytes",
                    index + 1
                )));
            }
            collector.check_size(&path, size)?;
            if size > Limits::RATIO_GRACE && size / compressed > limits.max_ratio {
                return Err(collector.limit(
                    format!(
                        "compression ratio above {} in entry {path}: {size} bytes unpacked from {compressed} \
                         (a zip bomb?)",
                        limits.max_ratio
                    ),
                    limits.max_ratio,
                ));
            }
            if unpacked_in_all > Limits::RATIO_GRACE
                && unpacked_in_all / archive_size > limits.max_ratio
            {
                return Err(collector.limit(
                    format!(
                        "compression ratio above {}: {unpacked_in_all} bytes unpacked from an archive of \
                         {archive_size} (a zip bomb?)",
                        limits.max_ratio
                    ),
                    limits.max_ratio,
                ));
            }
        }
        if (data.len() as u64) < declared {
            return Err(collector.corrupt(format!(
                "zip entry {} ({path}) unpacks to {} bytes, its header says {declared}",
                index + 1,
                data.len()
            )));
        }
        collector.file(&raw, path, data);
    }
    let mut artifact = collector.finish();
    if let Some((prefix, module, version)) = module_zip_prefix(&artifact.files) {
        artifact.root = prefix;
        artifact.import_path = Some(module);
        artifact.version = Some(version);
    }
    Ok(artifact)
}
