//! The `license` service: which licenses a tree carries (`license_analysis`), what changed between two versions
//! (`license_diff`), and a license's names (`license_abbreviation`); a thin adapter over `gofed-license`.
//!
//! Any SOURCE is read: a directory of this machine is walked without following symbolic links; an archive, RPM,
//! git revision or bundle is the tree in memory the analyses share (bundles carry the license files too:
//! [`crate::bundle`]). The license files of the analysed directory and everything below it count, vendored
//! and nested modules included.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use gofed_go::budget::Budget;
use gofed_go::load::FileTree;
use gofed_license::{Analysis, Entry, EntryKind, LicenseError, LicenseFile, Summary, Verdict};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::request::{CacheControl, CheckRequest, MachinePaths, RequestError};
use crate::tree::OpenedTree;
use crate::{Format, Rendered, Source, SourceMeta};

/// Input of `license_analysis`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct LicenseRequest {
    /// The tree.
    pub source: Source,
    /// Output format.
    #[serde(default)]
    pub format: Format,
    /// Analyse again even when the store holds this result (`--no-cache`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_cache: bool,
    /// Record the result in the store under the project revision or the package that was read (`--store`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub record: bool,
}

/// Input of `license_diff`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct LicensediffRequest {
    /// The old version.
    pub old: Source,
    /// The new version.
    pub new: Source,
    /// Output format.
    #[serde(default)]
    pub format: Format,
    /// As in [`LicenseRequest::no_cache`].
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_cache: bool,
}

/// Input of `license_abbreviation`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct AbbreviationRequest {
    /// An SPDX identifier (`MIT`), a Debian DEP-5 short name (`Expat`, `BSD-3-clause`) or a legacy Fedora name
    /// (`ASL 2.0`, `BSD`: several licenses may answer).
    pub name: String,
}

/// A license under its several names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LicenseNames {
    /// The SPDX identifier; also what Fedora's `License:` tag says since 2023.
    pub spdx: String,
    /// The SPDX full name.
    pub full_name: String,
    /// Fedora's short name before SPDX (older spec files).
    pub fedora_legacy: String,
    /// Debian's DEP-5 short name.
    pub debian: String,
}

/// Output of `license_abbreviation`: every license the name may stand for (none when it is unknown).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Abbreviations {
    /// The name asked about.
    pub name: String,
    /// The licenses it names, by SPDX id.
    pub licenses: Vec<LicenseNames>,
}

/// Input of `license_summarize`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct SummarizeRequest {
    /// A `license_analysis` document (`gofed license SOURCE --format json`), or its `files`, `spdx_headers`
    /// and `invalid_spdx_headers` alone.
    pub analysis: serde_json::Value,
}

/// Output of `license_summarize`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SummaryAnswer {
    /// One SPDX expression (`Apache-2.0 AND MIT`): what Fedora's `License:` tag should say. Empty: none found.
    pub expression: String,
    /// The distinct SPDX ids in it.
    pub ids: Vec<String>,
    /// License files that were not recognised: to check by hand, never guessed.
    pub unknown_files: Vec<String>,
}

/// `license_summarize`: one SPDX expression for an analysis.
pub fn license_summarize(request: SummarizeRequest) -> Result<SummaryAnswer, String> {
    let analysis: Analysis = serde_json::from_value(request.analysis)
        .map_err(|err| format!("not a license_analysis document: {err}"))?;
    let summary = gofed_license::license_summarize(&analysis);
    Ok(SummaryAnswer {
        expression: summary.expression,
        ids: summary.ids,
        unknown_files: summary.unknown_files,
    })
}

/// Input of `license_compatible`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct CompatibleRequest {
    /// The code's license: an SPDX expression (`MIT`, `Apache-2.0 OR GPL-2.0-or-later`).
    pub license: String,
    /// The license of the work it would go into: an SPDX identifier.
    pub into: String,
}

/// Output of `license_compatible`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CompatibleAnswer {
    /// The code's license, as asked.
    pub license: String,
    /// The work's license, as asked.
    pub into: String,
    /// `yes`, `conditional` (the reason says on what), `no`, or `unknown` (a license the table does not know).
    pub verdict: String,
    /// Why: one sentence per license of the expression that decided it.
    pub reasons: Vec<String>,
}

/// `license_compatible`: whether code under one license may be combined into a work under another.
pub fn license_compatible(request: &CompatibleRequest) -> CompatibleAnswer {
    let answer = gofed_license::license_compatible(&request.license, &request.into);
    CompatibleAnswer {
        license: answer.license,
        into: answer.into,
        verdict: match answer.verdict {
            gofed_license::CompatibilityVerdict::Yes => "yes",
            gofed_license::CompatibilityVerdict::Conditional => "conditional",
            gofed_license::CompatibilityVerdict::No => "no",
            gofed_license::CompatibilityVerdict::Unknown => "unknown",
        }
        .to_owned(),
        reasons: answer.reasons,
    }
}

impl CheckRequest for LicenseRequest {
    fn check(&self) -> Result<(), RequestError> {
        Ok(())
    }
}
impl CheckRequest for LicensediffRequest {
    fn check(&self) -> Result<(), RequestError> {
        Ok(())
    }
}
impl MachinePaths for LicenseRequest {}
impl MachinePaths for LicensediffRequest {}
impl CacheControl for LicenseRequest {
    fn no_cache(&self) -> bool {
        self.no_cache
    }
    fn record(&self) -> bool {
        self.record
    }
}
impl CacheControl for LicensediffRequest {
    fn no_cache(&self) -> bool {
        self.no_cache
    }
}

/// The files of an opened tree below its root, as `gofed-license` lists and reads them. Directories a bundle
/// leaves out (`testdata`, `_x`, `.x`: go/build ignores them) are left out here too, and links to files are
/// followed as bundles follow them, so that an analysis gives the same answer in-process and on a service.
struct LicenseTree<'a> {
    tree: &'a dyn FileTree,
    root: &'a Path,
    /// The tree is this machine's directory: an entry that is not a regular file (a FIFO, a device, a link to
    /// neither) is left out, never opened, as bundles leave it out.
    on_disk: bool,
}

impl gofed_license::Tree for LicenseTree<'_> {
    fn entries(&self) -> Result<Vec<Entry>, LicenseError> {
        let mut entries = Vec::new();
        let mut dirs: Vec<(PathBuf, String)> = vec![(self.root.to_owned(), String::new())];
        while let Some((dir, rel)) = dirs.pop() {
            let listed = self
                .tree
                .read_dir(&dir)
                .map_err(|source| LicenseError::Io {
                    path: dir.display().to_string(),
                    source,
                })?;
            for entry in listed {
                if entry.is_dir && crate::bundle::is_skipped_dir(&entry.name) {
                    continue;
                }
                let path = if rel.is_empty() {
                    entry.name.clone()
                } else {
                    format!("{rel}/{}", entry.name)
                };
                if entry.is_dir {
                    dirs.push((dir.join(&entry.name), path.clone()));
                }
                let is_file = !self.on_disk
                    || std::fs::metadata(dir.join(&entry.name)).is_ok_and(|m| m.is_file());
                if !entry.is_dir && !is_file {
                    continue;
                }
                entries.push(Entry {
                    path,
                    kind: if entry.is_dir {
                        EntryKind::Directory
                    } else {
                        EntryKind::File
                    },
                    // Unknown until read: the analysis reads at most its cap plus one byte to tell.
                    size: 0,
                });
            }
        }
        Ok(entries)
    }

    fn read(&self, path: &str, limit: u64) -> std::io::Result<Vec<u8>> {
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        self.tree.read_head(&self.root.join(path), limit)
    }
}

/// The licenses of `opened` (below its root).
fn analyse(opened: &OpenedTree) -> Result<Analysis, LicenseError> {
    let tree = LicenseTree {
        tree: opened.tree(),
        root: opened.root(),
        on_disk: opened.is_on_disk(),
    };
    gofed_license::license_analysis(&tree, &gofed_license::Config::default())
}

/// The `license_analysis` document.
#[derive(Serialize)]
struct LicenseReport<'a> {
    /// The analysed directory.
    root: &'a Path,
    #[serde(flatten)]
    analysis: &'a Analysis,
    summary: &'a Summary,
    meta: Meta<'a>,
}

#[derive(Serialize)]
struct Meta<'a> {
    /// For an artifact (archive, RPM, ...): what was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<&'a SourceMeta>,
    /// Whether this document was answered from the store (the result cache) rather than analysed.
    cached: bool,
}

/// `license_analysis`: every license file with its verdict, the SPDX headers of `.go` files, and the summary.
pub fn license_analysis(
    opened: &OpenedTree,
    args: &LicenseRequest,
    _budget: &Budget,
) -> anyhow::Result<Rendered> {
    let analysis = analyse(opened)?;
    let summary = gofed_license::license_summarize(&analysis);
    Ok(match args.format {
        Format::Json => Rendered::json(&LicenseReport {
            root: opened.root(),
            analysis: &analysis,
            summary: &summary,
            meta: Meta {
                source: opened.source_meta(),
                cached: false,
            },
        })?,
        Format::Text => Rendered::text(render_analysis(&analysis, &summary)),
    })
}

/// One line per license file (`PATH: ID [AND ID] (score, coverage)` or `PATH: unknown (reason)`), one per
/// SPDX header id, then the summary.
fn render_analysis(analysis: &Analysis, summary: &Summary) -> String {
    let mut out = String::new();
    for file in &analysis.files {
        out.push_str(&format!("{}: {}\n", file.path, describe(file)));
    }
    for (id, files) in &analysis.spdx_headers {
        let s = if *files == 1 { "" } else { "s" };
        out.push_str(&format!(
            "SPDX-License-Identifier: {id} ({files} file{s})\n"
        ));
    }
    for (expression, files) in &analysis.invalid_spdx_headers {
        let s = if *files == 1 { "" } else { "s" };
        out.push_str(&format!(
            "SPDX-License-Identifier: {expression:?} is not an SPDX expression ({files} file{s})\n"
        ));
    }
    let expression = if summary.expression.is_empty() {
        "none found"
    } else {
        &summary.expression
    };
    out.push_str(&format!("license: {expression}\n"));
    if !summary.unknown_files.is_empty() {
        out.push_str(&format!(
            "not recognised (check by hand): {}\n",
            summary.unknown_files.join(", ")
        ));
    }
    out
}

/// What a license file was found to be, for a line of text.
fn describe(file: &LicenseFile) -> String {
    match &file.verdict {
        Verdict::Detected => {
            let best = file.matches.iter().map(|m| m.score).fold(0.0f32, f32::max);
            format!(
                "{} (score {best:.2}, coverage {:.0}%)",
                file.spdx_ids().join(" AND "),
                file.coverage * 100.0
            )
        }
        Verdict::Overridden { expression } => format!("{expression} (override)"),
        Verdict::Unknown { reason } => {
            let why = match reason {
                gofed_license::UnknownReason::Empty => "empty".to_owned(),
                gofed_license::UnknownReason::Binary => "not text".to_owned(),
                gofed_license::UnknownReason::TooLarge => format!("too large: {} bytes", file.size),
                gofed_license::UnknownReason::NotAFile => "not a regular file".to_owned(),
                gofed_license::UnknownReason::Unreadable(err) => format!("unreadable: {err}"),
                gofed_license::UnknownReason::NoMatch => "no license matches".to_owned(),
                gofed_license::UnknownReason::LowCoverage => format!(
                    "matches cover {:.0}% of it, below 75%",
                    file.coverage * 100.0
                ),
            };
            format!("unknown ({why})")
        }
    }
}

/// How one license file differs between two versions.
#[derive(Debug, Serialize)]
struct FileChange {
    path: String,
    /// `added`, `removed` or `changed`.
    change: &'static str,
    /// What the file was found to be in the old version (absent when added).
    #[serde(skip_serializing_if = "Option::is_none")]
    old: Option<String>,
    /// In the new version (absent when removed).
    #[serde(skip_serializing_if = "Option::is_none")]
    new: Option<String>,
}

/// The `license_diff` document.
#[derive(Serialize)]
struct LicenseDiff<'a> {
    /// The summary expressions of both versions.
    old_license: &'a str,
    new_license: &'a str,
    /// SPDX ids found only in the new version, and only in the old one.
    ids_added: Vec<&'a str>,
    ids_removed: Vec<&'a str>,
    /// License files added, removed, or whose licenses changed, by path.
    files: Vec<FileChange>,
    meta: DiffMeta<'a>,
}

#[derive(Serialize)]
struct DiffMeta<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    old_source: Option<&'a SourceMeta>,
    #[serde(skip_serializing_if = "Option::is_none")]
    new_source: Option<&'a SourceMeta>,
    cached: bool,
}

/// `license_diff`: the license files added, removed and changed between two versions, and their summaries.
pub fn license_diff(
    old: &OpenedTree,
    new: &OpenedTree,
    args: &LicensediffRequest,
    _budget: &Budget,
) -> anyhow::Result<Rendered> {
    let (old_analysis, new_analysis) = (analyse(old)?, analyse(new)?);
    let old_summary = gofed_license::license_summarize(&old_analysis);
    let new_summary = gofed_license::license_summarize(&new_analysis);
    let by_path = |a: &Analysis| -> BTreeMap<String, String> {
        a.files
            .iter()
            .map(|f| (f.path.clone(), verdict_text(f)))
            .collect()
    };
    let (old_files, new_files) = (by_path(&old_analysis), by_path(&new_analysis));
    let paths: BTreeSet<&String> = old_files.keys().chain(new_files.keys()).collect();
    let files: Vec<FileChange> = paths
        .into_iter()
        .filter_map(|path| {
            let (old, new) = (old_files.get(path), new_files.get(path));
            let change = match (old, new) {
                (None, Some(_)) => "added",
                (Some(_), None) => "removed",
                (Some(o), Some(n)) if o != n => "changed",
                _ => return None,
            };
            Some(FileChange {
                path: path.clone(),
                change,
                old: old.cloned(),
                new: new.cloned(),
            })
        })
        .collect();
    let old_ids: BTreeSet<&str> = old_summary.ids.iter().map(String::as_str).collect();
    let new_ids: BTreeSet<&str> = new_summary.ids.iter().map(String::as_str).collect();
    let diff = LicenseDiff {
        old_license: &old_summary.expression,
        new_license: &new_summary.expression,
        ids_added: new_ids.difference(&old_ids).copied().collect(),
        ids_removed: old_ids.difference(&new_ids).copied().collect(),
        files,
        meta: DiffMeta {
            old_source: old.source_meta(),
            new_source: new.source_meta(),
            cached: false,
        },
    };
    Ok(match args.format {
        Format::Json => Rendered::json(&diff)?,
        Format::Text => Rendered::text(render_diff(&diff)),
    })
}

/// A file's licenses (or why it is unknown), for comparing and printing.
fn verdict_text(file: &LicenseFile) -> String {
    match &file.verdict {
        Verdict::Unknown { .. } => describe(file),
        _ => file.spdx_ids().join(" AND "),
    }
}

fn render_diff(diff: &LicenseDiff) -> String {
    let none = |e: &str| {
        if e.is_empty() {
            "none found".to_owned()
        } else {
            e.to_owned()
        }
    };
    let mut out = String::new();
    if diff.old_license == diff.new_license {
        out.push_str(&format!(
            "license: {} (unchanged)\n",
            none(diff.old_license)
        ));
    } else {
        out.push_str(&format!(
            "license: {} -> {}\n",
            none(diff.old_license),
            none(diff.new_license)
        ));
    }
    for file in &diff.files {
        match (&file.old, &file.new) {
            (None, Some(new)) => out.push_str(&format!("+ {}: {new}\n", file.path)),
            (Some(old), None) => out.push_str(&format!("- {}: {old}\n", file.path)),
            (Some(old), Some(new)) => out.push_str(&format!("~ {}: {old} -> {new}\n", file.path)),
            (None, None) => {}
        }
    }
    out
}

/// `license_abbreviation`: the names of the licenses `name` stands for.
pub fn license_abbreviation(request: &AbbreviationRequest) -> Abbreviations {
    let name = request.name.trim();
    let mut rows: Vec<&gofed_license::Abbreviation> = Vec::new();
    rows.extend(gofed_license::abbreviation(name));
    rows.extend(gofed_license::abbreviation_by_debian(name));
    rows.extend(gofed_license::abbreviation_by_fedora(name));
    let mut seen = BTreeSet::new();
    rows.retain(|row| seen.insert(row.spdx));
    Abbreviations {
        name: request.name.clone(),
        licenses: rows
            .into_iter()
            .map(|row| LicenseNames {
                spdx: row.spdx.to_owned(),
                full_name: row.full_name().to_owned(),
                fedora_legacy: row.fedora_legacy.to_owned(),
                debian: row.debian.to_owned(),
            })
            .collect(),
    }
}
