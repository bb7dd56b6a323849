//! Tar (plain, gzip, xz, bzip2, zstd) and zip archives, Go module zips among them, read into memory.
//!
//! Why in memory: an archive is analysed, never installed, so nothing of it needs to touch the disk, and an
//! archive that is never extracted cannot write where it should not (`DESIGN.md` §6). What is left to guard
//! against is what an archive can do to the reader itself: names that would escape a directory if someone
//! extracted them later (`..`, absolute paths), entries that are not files (links, devices, FIFOs), and bombs
//! that inflate to far more than they look. The first two are skipped with a [`Warning`]; bombs are stopped
//! *while* inflating, because every reader counts the bytes it unpacks against [`Limits`] as it goes.
//!
//! Both readers hand their entries to one [`Collector`], so the rules for paths, duplicates, conflicts between
//! files and directories, and the artifact's root are the same for tar and zip.

mod tar;
mod zip;

pub use self::tar::read_tar;
pub use self::zip::read_zip;

use crate::{Artifact, ArtifactError, File, Limits, Warning};
use std::collections::{BTreeMap, HashSet};

/// The entries of one archive as they are read: files by normalised path, explicit directories, warnings, and the
/// running counts the limits apply to.
pub(crate) struct Collector<'l> {
    input: String,
    limits: &'l Limits,
    files: BTreeMap<String, Vec<u8>>,
    directories: HashSet<String>,
    warnings: Vec<Warning>,
    entries: u64,
    total: u64,
}

/// What a raw entry name becomes.
pub(crate) enum Name {
    /// A normalised, safe, relative path.
    Path(String),
    /// The top itself (`.`, `./`): nothing to keep.
    Top,
    /// Unsafe or unreadable: the reason for the warning.
    Refused(&'static str),
}

/// Normalises an entry name: `/`-separated, `.` and empty components dropped (`./a//b.go` is `a/b.go`); a name
/// with a `..` component, an absolute name, a NUL or a name that is not UTF-8 is refused, as Go's module zip
/// checks and GNU tar's extraction would refuse it.
pub(crate) fn normalise(raw: &[u8]) -> Name {
    let Ok(name) = std::str::from_utf8(raw) else {
        return Name::Refused("its name is not UTF-8");
    };
    if name.starts_with('/') {
        return Name::Refused("absolute path");
    }
    if memchr::memchr(0, name.as_bytes()).is_some() {
        return Name::Refused("its name contains a NUL byte");
    }
    // Most names are clean already; checking that with a few vectorised searches keeps long names (a 5,000-level
    // tree has 5,000 entries of up to 10,000 bytes) from costing a loop step per component.
    let trimmed = name.trim_end_matches('/');
    if is_clean(trimmed) {
        return Name::Path(trimmed.to_owned());
    }
    let mut out = String::with_capacity(name.len());
    let mut start = 0;
    let ends = memchr::memchr_iter(b'/', name.as_bytes()).chain(std::iter::once(name.len()));
    for end in ends {
        let part = &name[start..end];
        start = end + 1;
        match part {
            "" | "." => {}
            ".." => return Name::Refused("path with a `..` component"),
            _ => {
                if !out.is_empty() {
                    out.push('/');
                }
                out.push_str(part);
            }
        }
    }
    if out.is_empty() {
        Name::Top
    } else {
        Name::Path(out)
    }
}

/// Whether `name` has no empty, `.` or `..` component and no leading or trailing `/`.
fn is_clean(name: &str) -> bool {
    let bytes = name.as_bytes();
    !name.is_empty()
        && !name.starts_with('/')
        && !name.ends_with('/')
        && name != "."
        && name != ".."
        && !name.starts_with("./")
        && !name.starts_with("../")
        && !name.ends_with("/.")
        && !name.ends_with("/..")
        && memchr::memmem::find(bytes, b"//").is_none()
        && memchr::memmem::find(bytes, b"/./").is_none()
        && memchr::memmem::find(bytes, b"/../").is_none()
}

impl<'l> Collector<'l> {
    pub(crate) fn new(input: &str, limits: &'l Limits) -> Collector<'l> {
        Collector {
            input: input.to_owned(),
            limits,
            files: BTreeMap::new(),
            directories: HashSet::new(),
            warnings: Vec::new(),
            entries: 0,
            total: 0,
        }
    }

    /// Counts one more entry of any type against `max_entries`.
    pub(crate) fn count_entry(&mut self) -> Result<(), ArtifactError> {
        self.entries += 1;
        if self.entries > self.limits.max_entries {
            return Err(self.limit(
                format!("more than {} entries", self.limits.max_entries),
                self.limits.max_entries,
            ));
        }
        Ok(())
    }

    /// Checks a file's size (declared or read so far) against `max_file_size`, and the total with it against
    /// `max_total_size`, before or while it is read.
    pub(crate) fn check_size(&self, entry: &str, size: u64) -> Result<(), ArtifactError> {
        if size > self.limits.max_file_size {
            return Err(self.limit(
                format!(
                    "entry {entry} is larger than {} bytes",
                    self.limits.max_file_size
                ),
                self.limits.max_file_size,
            ));
        }
        let total = self.total.saturating_add(size);
        if total > self.limits.max_total_size {
            return Err(self.limit(
                format!(
                    "files unpack to more than {} bytes (at entry {entry})",
                    self.limits.max_total_size
                ),
                self.limits.max_total_size,
            ));
        }
        Ok(())
    }

    pub(crate) fn limit(&self, what: String, limit: u64) -> ArtifactError {
        ArtifactError::Limit {
            input: self.input.clone(),
            what,
            limit,
        }
    }

    pub(crate) fn corrupt(&self, what: String) -> ArtifactError {
        ArtifactError::Corrupt {
            input: self.input.clone(),
            what,
        }
    }

    /// Leaves an entry out with a warning; `entry` is its raw name.
    pub(crate) fn skip(&mut self, entry: &[u8], reason: impl Into<String>) {
        let warning = Warning {
            input: self.input.clone(),
            entry: String::from_utf8_lossy(entry).into_owned(),
            reason: reason.into(),
        };
        tracing::warn!("{warning}");
        self.warnings.push(warning);
    }

    /// The path a file entry named `name` is kept at, or `None` when it is left out with a warning (no name, or a
    /// refused one); `raw` is its name as the archive spells it.
    pub(crate) fn file_path(&mut self, raw: &[u8], name: &[u8]) -> Option<String> {
        match normalise(name) {
            Name::Path(path) => Some(path),
            Name::Top => {
                self.skip(raw, "a file without a name");
                None
            }
            Name::Refused(reason) => {
                self.skip(raw, reason);
                None
            }
        }
    }

    /// Records an explicit directory entry.
    pub(crate) fn directory(&mut self, raw: &[u8]) {
        match normalise(raw) {
            Name::Path(path) => {
                self.directories.insert(path);
            }
            Name::Top => {}
            Name::Refused(reason) => self.skip(raw, reason),
        }
    }

    /// Keeps a regular file (its size already checked); a later file at the same path replaces an earlier one,
    /// as `tar x` would leave it.
    pub(crate) fn file(&mut self, raw: &[u8], path: String, data: Vec<u8>) {
        self.total = self.total.saturating_add(data.len() as u64);
        if let Some(earlier) = self.files.insert(path, data) {
            self.total = self.total.saturating_sub(earlier.len() as u64);
            self.skip(raw, "duplicate path: the later entry is kept");
        }
    }

    /// The artifact: files that are also directories (explicitly or as the parent of another file) are left out
    /// with a warning, and the root is the single top directory all files lie under, if there is one.
    pub(crate) fn finish(mut self) -> Artifact {
        let mut directories: HashSet<&str> = self.directories.iter().map(String::as_str).collect();
        for path in self.files.keys() {
            // Every ancestor of a file is a directory; stopping at the first one seen keeps this linear in the
            // total path length when many files share their parents.
            let mut end = path.len();
            while let Some(slash) = path[..end].rfind('/') {
                if !directories.insert(&path[..slash]) {
                    break;
                }
                end = slash;
            }
        }
        let conflicts: Vec<String> = self
            .files
            .keys()
            .filter(|path| directories.contains(path.as_str()))
            .cloned()
            .collect();
        for path in conflicts {
            self.files.remove(&path);
            self.skip(
                path.as_bytes(),
                "a file and a directory at the same path: the file is left out",
            );
        }
        let files: Vec<File> = self
            .files
            .into_iter()
            .map(|(path, data)| File { path, data })
            .collect();
        let root = single_top_directory(&files).unwrap_or_default().to_owned();
        Artifact {
            files,
            root,
            warnings: self.warnings,
            ..Artifact::default()
        }
    }
}

/// The one top directory every file lies under (`project-1.2` of an upstream tarball), if there is one.
fn single_top_directory(files: &[File]) -> Option<&str> {
    let mut top = None;
    for file in files {
        let (first, _) = file.path.split_once('/')?;
        match top {
            None => top = Some(first),
            Some(seen) if seen == first => {}
            Some(_) => return None,
        }
    }
    top
}

/// A Go module zip's `module@version` top: every file under `PREFIX/` where PREFIX is an `!`-escaped module path,
/// `@`, and a version (golang.org/x/mod/zip's layout). Returns the prefix, the unescaped module path and the
/// version.
pub(crate) fn module_zip_prefix(files: &[File]) -> Option<(String, String, String)> {
    let first = files.first()?;
    let at = first.path.find('@')?;
    let slash = at + first.path[at..].find('/')?;
    let prefix = &first.path[..slash];
    let (escaped, version) = prefix.split_at(at);
    let version = &version[1..];
    if !files.iter().all(|file| {
        file.path.len() > slash
            && file.path.starts_with(prefix)
            && file.path.as_bytes()[slash] == b'/'
    }) {
        return None;
    }
    if !version.starts_with('v') || version.len() < 2 {
        return None;
    }
    let module = unescape_module_path(escaped)?;
    if module.is_empty() || module.starts_with('/') || module.ends_with('/') {
        return None;
    }
    Some((prefix.to_owned(), module, version.to_owned()))
}

/// Undoes golang.org/x/mod/module's `EscapePath`: `!x` is `X`; an upper-case letter, or `!` before anything but a
/// lower-case letter, means the text was not escaped and is refused (as `UnescapePath` refuses it).
pub(crate) fn unescape_module_path(escaped: &str) -> Option<String> {
    let mut out = String::with_capacity(escaped.len());
    let mut bang = false;
    for c in escaped.chars() {
        if bang {
            if !c.is_ascii_lowercase() {
                return None;
            }
            out.push(c.to_ascii_uppercase());
            bang = false;
        } else if c == '!' {
            bang = true;
        } else if c.is_ascii_uppercase() {
            return None;
        } else {
            out.push(c);
        }
    }
    (!bang).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(raw: &str) -> Option<String> {
        match normalise(raw.as_bytes()) {
            Name::Path(path) => Some(path),
            Name::Top => Some(String::new()),
            Name::Refused(_) => None,
        }
    }

    #[test]
    fn normalises_and_refuses_names() {
        assert_eq!(path("./a.go").as_deref(), Some("a.go"));
        assert_eq!(path("a/b.go").as_deref(), Some("a/b.go"));
        assert_eq!(path("a/.").as_deref(), Some("a"));
        assert_eq!(path("a/..//"), None);
        assert_eq!(path("a/./b/").as_deref(), Some("a/b"));
        assert_eq!(path("a//").as_deref(), Some("a"));
        assert_eq!(path("...").as_deref(), Some("..."));
        assert_eq!(path("//").as_deref(), None);
        assert_eq!(path("a//b/./c.go").as_deref(), Some("a/b/c.go"));
        assert_eq!(path("dir/").as_deref(), Some("dir"));
        assert_eq!(path("./").as_deref(), Some(""));
        assert_eq!(path("/etc/passwd"), None);
        assert_eq!(path("a/../../b"), None);
        assert_eq!(path(".."), None);
        assert!(matches!(normalise(b"a\xff.go"), Name::Refused(_)));
    }

    #[test]
    fn unescapes_module_paths_like_x_mod() {
        assert_eq!(
            unescape_module_path("github.com/!burnt!sushi/toml").as_deref(),
            Some("github.com/BurntSushi/toml")
        );
        assert_eq!(unescape_module_path("github.com/Burnt"), None);
        assert_eq!(unescape_module_path("a!"), None);
        assert_eq!(unescape_module_path("a!1"), None);
    }

    use crate::tests::files;

    #[test]
    fn finds_the_single_top_directory() {
        assert_eq!(
            single_top_directory(&files(&["p-1.2/a.go", "p-1.2/b/c.go"])),
            Some("p-1.2")
        );
        assert_eq!(single_top_directory(&files(&["p-1.2/a.go", "b.go"])), None);
        assert_eq!(single_top_directory(&files(&["a/x", "b/x"])), None);
        assert_eq!(single_top_directory(&[]), None);
    }

    #[test]
    fn finds_module_zip_prefixes() {
        let found = module_zip_prefix(&files(&[
            "example.com/!foo@v1.2.3/go.mod",
            "example.com/!foo@v1.2.3/a/a.go",
        ]));
        assert_eq!(
            found,
            Some((
                "example.com/!foo@v1.2.3".to_owned(),
                "example.com/Foo".to_owned(),
                "v1.2.3".to_owned()
            ))
        );
        assert_eq!(
            module_zip_prefix(&files(&["example.com/!foo@v1.2.3/go.mod", "other/x.go"])),
            None
        );
        assert_eq!(
            module_zip_prefix(&files(&["example.com/Foo@v1/go.mod"])),
            None
        );
        assert_eq!(module_zip_prefix(&files(&["project-1.2/go.mod"])), None);
    }
}
