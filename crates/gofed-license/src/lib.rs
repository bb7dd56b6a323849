//! gofed's license detection: which licenses a Go tree carries.
//!
//! Pipeline: [`license_analysis`] lists a [`Tree`] (a directory walked with `std::fs`, [`DirTree`], or
//! `(path, bytes)` pairs in memory, [`MemoryTree`]), picks every license file at any depth ([`is_license_file_name`]:
//! `LICENSE*`, `LICENCE*`, `COPYING*`, `NOTICE*`, `PATENTS*`, `UNLICENSE*`, case-insensitive, vendored and nested
//! modules included) and matches each against the SPDX license list ([`analyze_license_file`]); it also counts the
//! `SPDX-License-Identifier:` headers of the `.go` files. [`license_summarize`] folds an [`Analysis`] into one SPDX
//! expression; [`abbreviation`] maps SPDX ids to full, Fedora and Debian names.
//!
//! The matcher is askalono's (normalised word-bigram Dice coefficient against every SPDX text, standard header and
//! alternate form) as kept in the `spdx` crate, whose prebuilt store of the SPDX license list is embedded in the
//! binary. A file is reported as a license only when the matches cover at least [`Config::coverage_threshold`] of
//! its words (pkgsite's rule, 75 %); otherwise it is [`Verdict::Unknown`] and its partial matches are listed but
//! never summarised. A file holding several licenses (MIT followed by Apache-2.0, ...) is scanned repeatedly:
//! the best match is located, its lines are blanked, and the rest is matched again.
//!
//! ```
//! use gofed_license::{license_analysis, license_summarize, Config, MemoryTree};
//! let mit = "MIT License\n\nCopyright (c) 2020 Someone\n\nPermission is hereby granted, free of charge, to any \
//! person obtaining a copy of this software and associated documentation files (the \"Software\"), to deal in the \
//! Software without restriction, including without limitation the rights to use, copy, modify, merge, publish, \
//! distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is \
//! furnished to do so, subject to the following conditions:\n\nThe above copyright notice and this permission \
//! notice shall be included in all copies or substantial portions of the Software.\n\nTHE SOFTWARE IS PROVIDED \
//! \"AS IS\", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF \
//! MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR \
//! COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT \
//! OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE \
//! SOFTWARE.\n";
//! let tree = MemoryTree::new(vec![("LICENSE".to_string(), mit.as_bytes().to_vec())]);
//! let analysis = license_analysis(&tree, &Config::default()).unwrap();
//! assert_eq!(license_summarize(&analysis).expression, "MIT");
//! ```
//!
//! Invariants: no network I/O; never panics on input (binary, empty, huge or non-UTF-8 files give a
//! [`Verdict::Unknown`] with the reason); bounded work per file ([`Config::max_file_bytes`] is read at most, a
//! larger file is not analysed).

#![warn(missing_docs)]

mod abbrev;
mod compat;
mod detect;
mod header;
mod name;
mod summary;
mod tree;

pub use abbrev::{
    abbreviation, abbreviation_by_debian, abbreviation_by_fedora, Abbreviation, ABBREVIATIONS,
};
pub use compat::{license_compatible, Compatibility, Verdict as CompatibilityVerdict};
pub use detect::{analyze_license_file, license_list_size};
pub use header::spdx_header_expressions;
pub use name::is_license_file_name;
pub use summary::{license_summarize, Summary};
pub use tree::{DirTree, Entry, EntryKind, MemoryTree, Tree};

use rayon::prelude::*;
use std::collections::BTreeMap;

/// What the analysis reads and how strict it is. `Default` gives pkgsite-like settings.
#[derive(Clone, Debug)]
pub struct Config {
    /// Minimum fraction of a file's words the matches must cover for the file to count as a license (0.75).
    pub coverage_threshold: f32,
    /// Minimum Dice score of one match (0.8).
    pub confidence_threshold: f32,
    /// A license file larger than this is not analysed ([`UnknownReason::TooLarge`]); at most this many bytes
    /// (plus one, to learn that it is larger) are read (1 MiB; the longest SPDX texts are under 100 KiB).
    pub max_file_bytes: u64,
    /// At most this many licenses are looked for in one file (each costs one pass over the license list).
    pub max_licenses_per_file: usize,
    /// Bytes read from the start of each `.go` file to find `SPDX-License-Identifier:` lines (16 KiB).
    pub max_header_bytes: u64,
    /// Per-file overrides: the sha256 (lower-case hex) of a license file's bytes → the SPDX expression to report
    /// for it instead of the detected one.
    pub overrides: BTreeMap<String, String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            coverage_threshold: 0.75,
            confidence_threshold: 0.8,
            max_file_bytes: 1 << 20,
            max_licenses_per_file: 8,
            max_header_bytes: 16 << 10,
            overrides: BTreeMap::new(),
        }
    }
}

/// The licenses found in a tree.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default))]
pub struct Analysis {
    /// Every license file, sorted by path.
    pub files: Vec<LicenseFile>,
    /// SPDX identifiers named by `SPDX-License-Identifier:` lines of `.go` files → number of files naming them.
    pub spdx_headers: BTreeMap<String, usize>,
    /// `SPDX-License-Identifier:` values that are not valid SPDX expressions → number of files.
    pub invalid_spdx_headers: BTreeMap<String, usize>,
    /// Number of `.go` files read for headers.
    pub n_go_files: usize,
}

/// One license file and what it was found to be.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct LicenseFile {
    /// Path relative to the tree's top, `/`-separated.
    pub path: String,
    /// The directory holding it (`""` for the top): the module or vendored package it licenses.
    pub directory: String,
    /// sha256 of the file's bytes (lower-case hex); empty when the file was not read whole.
    pub sha256: String,
    /// The file's size in bytes, as far as it is known (at least `max_file_bytes + 1` when too large).
    pub size: u64,
    /// The verdict: detected, overridden, or unknown with the reason.
    pub verdict: Verdict,
    /// The licenses located in the file, best first; listed even when the verdict is unknown, for a reader.
    pub matches: Vec<LicenseMatch>,
    /// Fraction of the file's (normalised) words the matches cover, 0.0 to 1.0.
    pub coverage: f32,
}

impl LicenseFile {
    /// The SPDX identifiers this file counts for: the matches when detected, the override's expression when
    /// overridden, nothing when unknown.
    pub fn spdx_ids(&self) -> Vec<String> {
        match &self.verdict {
            Verdict::Detected => self.matches.iter().map(|m| m.spdx_id.clone()).collect(),
            Verdict::Overridden { expression } => vec![expression.clone()],
            Verdict::Unknown { .. } => Vec::new(),
        }
    }
}

/// Whether a license file was recognised.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(tag = "kind", rename_all = "snake_case"))]
pub enum Verdict {
    /// The matches cover at least the coverage threshold of the file.
    Detected,
    /// The caller's override for this file's sha256 applies.
    Overridden {
        /// The SPDX expression given by the override.
        expression: String,
    },
    /// Not recognised; never guessed.
    Unknown {
        /// Why.
        reason: UnknownReason,
    },
}

/// Why a license file is unknown.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum UnknownReason {
    /// The file holds no words.
    Empty,
    /// The file holds NUL bytes in its first 8 KiB: not text.
    Binary,
    /// The file is larger than [`Config::max_file_bytes`] and was not analysed.
    TooLarge,
    /// The path is a directory (or another non-file entry) with a license file's name.
    NotAFile,
    /// Reading the file failed (the message says why).
    Unreadable(String),
    /// No license text matched with the confidence threshold.
    NoMatch,
    /// Matches were found, but they cover less than the coverage threshold of the file.
    LowCoverage,
}

/// One license located inside a file.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct LicenseMatch {
    /// The SPDX identifier (`MIT`, `Apache-2.0`, `BSD-3-Clause`, ...).
    pub spdx_id: String,
    /// Dice score of the located text against the license, 0.0 to 1.0.
    pub score: f32,
    /// What matched: the license's full text, its standard header, or an alternate form.
    pub kind: MatchKind,
    /// 0-based line range `[start, end)` of the match in the file.
    pub lines: (usize, usize),
    /// Fraction of the file's words inside this match.
    pub coverage: f32,
}

/// Which form of a license matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum MatchKind {
    /// The license's full text.
    Text,
    /// The license's standard header (the notice put at the top of source files).
    Header,
    /// An alternate form of the text.
    Alternate,
}

/// What can go wrong for a whole analysis (per-file problems are [`Verdict::Unknown`] instead).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LicenseError {
    /// The tree could not be listed.
    #[error("{path}: {source}")]
    Io {
        /// The path that failed.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The embedded SPDX license store could not be loaded (a build problem, not an input problem).
    #[error("embedded SPDX license store: {0}")]
    Store(String),
}

/// Analyses every license file and every `.go` file's SPDX header of `tree`.
pub fn license_analysis(tree: &dyn Tree, config: &Config) -> Result<Analysis, LicenseError> {
    let mut entries = tree.entries()?;
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    let mut res = Analysis::default();
    // Matching a file against the license list takes milliseconds: the files are matched in parallel, and
    // reported in path order.
    let license_entries: Vec<&Entry> = entries
        .iter()
        .filter(|e| is_license_file_name(file_name(&e.path)))
        .collect();
    res.files = license_entries
        .par_iter()
        .map(|entry| analyze_entry(tree, entry, config))
        .collect::<Result<Vec<_>, _>>()?;
    for entry in &entries {
        let name = file_name(&entry.path);
        if entry.kind == EntryKind::File && name.ends_with(".go") && !is_license_file_name(name) {
            res.n_go_files += 1;
            // An unreadable .go file has no header to count; license files are what the analysis reports on.
            let Ok(head) = tree.read(&entry.path, config.max_header_bytes) else {
                tracing::debug!(path = %entry.path, "unreadable .go file skipped");
                continue;
            };
            for expression in spdx_header_expressions(&head) {
                match spdx::Expression::parse_mode(&expression, spdx::ParseMode::LAX) {
                    Ok(parsed) => {
                        let mut ids: Vec<String> = parsed
                            .requirements()
                            .filter_map(|req| req.req.license.id().map(|id| id.name.to_string()))
                            .collect();
                        ids.sort();
                        ids.dedup();
                        for id in ids {
                            *res.spdx_headers.entry(id).or_default() += 1;
                        }
                    }
                    Err(_) => *res.invalid_spdx_headers.entry(expression).or_default() += 1,
                }
            }
        }
    }
    Ok(res)
}

/// The last element of a `/`-separated path.
fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn analyze_entry(
    tree: &dyn Tree,
    entry: &Entry,
    config: &Config,
) -> Result<LicenseFile, LicenseError> {
    let directory = match entry.path.rfind('/') {
        Some(idx) => entry.path[..idx].to_string(),
        None => String::new(),
    };
    let unknown = |reason: UnknownReason, size: u64| LicenseFile {
        path: entry.path.clone(),
        directory: directory.clone(),
        sha256: String::new(),
        size,
        verdict: Verdict::Unknown { reason },
        matches: Vec::new(),
        coverage: 0.0,
    };
    if entry.kind != EntryKind::File {
        return Ok(unknown(UnknownReason::NotAFile, 0));
    }
    if entry.size > config.max_file_bytes {
        return Ok(unknown(UnknownReason::TooLarge, entry.size));
    }
    // The listed size may be stale (a growing file): read one byte more than the cap to know.
    let bytes = match tree.read(&entry.path, config.max_file_bytes.saturating_add(1)) {
        Ok(bytes) => bytes,
        Err(err) => {
            return Ok(unknown(
                UnknownReason::Unreadable(err.to_string()),
                entry.size,
            ))
        }
    };
    if bytes.len() as u64 > config.max_file_bytes {
        return Ok(unknown(UnknownReason::TooLarge, bytes.len() as u64));
    }
    let mut file = analyze_license_file(&bytes, config)?;
    file.path = entry.path.clone();
    file.directory = directory;
    Ok(file)
}
