//! One license file against the SPDX license list.

use std::sync::OnceLock;

use sha2::{Digest, Sha256};
use spdx::detection::{LicenseType, Store, TextData};

use crate::{Config, LicenseError, LicenseFile, LicenseMatch, MatchKind, UnknownReason, Verdict};

/// The embedded store, decompressed once per process (~2 MB of zstd, tens of milliseconds).
fn store() -> Result<&'static Store, LicenseError> {
    static STORE: OnceLock<Result<Store, String>> = OnceLock::new();
    STORE
        .get_or_init(|| Store::load_inline().map_err(|err| err.to_string()))
        .as_ref()
        .map_err(|msg| LicenseError::Store(msg.clone()))
}

/// Number of licenses in the embedded SPDX store (a sanity figure for reports).
pub fn license_list_size() -> Result<usize, LicenseError> {
    Ok(store()?.len())
}

/// Fewer words than this left unmatched in a file are not searched for another license.
const MIN_LICENSE_WORDS: usize = 25;

/// A whole-text score from which the text is taken as the license without locating it inside the text.
const WHOLE_TEXT_SCORE: f32 = 0.99;

/// Bytes looked at to tell text from binary, as git and grep do.
const BINARY_SNIFF_BYTES: usize = 8 << 10;

/// Analyses the bytes of one license file (the caller has bounded their size). `path` and `directory` of the
/// result are empty; [`crate::license_analysis`] fills them in.
pub fn analyze_license_file(bytes: &[u8], config: &Config) -> Result<LicenseFile, LicenseError> {
    let sha256 = hex(&Sha256::digest(bytes));
    let mut res = LicenseFile {
        path: String::new(),
        directory: String::new(),
        sha256,
        size: bytes.len() as u64,
        verdict: Verdict::Detected,
        matches: Vec::new(),
        coverage: 0.0,
    };
    if let Some(expression) = config.overrides.get(&res.sha256) {
        res.verdict = Verdict::Overridden {
            expression: expression.clone(),
        };
        return Ok(res);
    }
    if bytes[..bytes.len().min(BINARY_SNIFF_BYTES)].contains(&0) {
        res.verdict = Verdict::Unknown {
            reason: UnknownReason::Binary,
        };
        return Ok(res);
    }
    // Non-UTF-8 license files are mostly Latin-1 (a `©` or an accented name in the copyright line); the
    // replacement character only touches those words, the license text itself is ASCII.
    let text = String::from_utf8_lossy(bytes);
    let data = TextData::new(&text);
    let n_words = count_words(data.lines());
    if n_words == 0 {
        res.verdict = Verdict::Unknown {
            reason: UnknownReason::Empty,
        };
        return Ok(res);
    }
    let store = store()?;
    let mut current = trim_blank_ends(&data);
    let mut n_covered = 0usize;
    for _ in 0..config.max_licenses_per_file {
        let best = store.analyze(&current);
        // Locate the best license's text inside the file; its score there decides, not the whole file's.
        let (located, score) = if best.score >= WHOLE_TEXT_SCORE {
            // 99 % of the bigrams shared: the whole text is the license, no bounds to search.
            (current.clone(), best.score)
        } else {
            let (located, score) = current.optimize_bounds(best.data);
            refine_at_paragraphs(&current, located, score, best.data)
        };
        let (name, license_type, score) =
            prefer_common(store, &located, best.name, best.license_type, score);
        if score < config.confidence_threshold {
            break;
        }
        let n_located = count_words(located.lines());
        if n_located == 0 {
            break;
        }
        n_covered += n_located;
        res.matches.push(LicenseMatch {
            spdx_id: name.to_string(),
            score,
            kind: match license_type {
                LicenseType::Original => MatchKind::Text,
                LicenseType::Header => MatchKind::Header,
                LicenseType::Alternate => MatchKind::Alternate,
            },
            lines: located.lines_view(),
            coverage: n_located as f32 / n_words as f32,
        });
        // What is left is a copyright line or a sentence, too short to hold another license (the shortest SPDX
        // texts have ~30 words); a further pass over the whole list would only confirm that.
        if n_words.saturating_sub(n_covered) < MIN_LICENSE_WORDS {
            break;
        }
        // Blank what was found and look for another license in the rest (MIT followed by Apache-2.0, ...).
        current = trim_blank_ends(&located.white_out());
    }
    res.coverage = (n_covered as f32 / n_words as f32).min(1.0);
    res.verdict = if res.matches.is_empty() {
        Verdict::Unknown {
            reason: UnknownReason::NoMatch,
        }
    } else if res.coverage < config.coverage_threshold {
        Verdict::Unknown {
            reason: UnknownReason::LowCoverage,
        }
    } else {
        Verdict::Detected
    };
    Ok(res)
}

/// How much lower a common license's score may be than a rare variant's for the common one to be reported.
const PREFER_COMMON_MARGIN: f32 = 0.03;

/// SPDX lists many near-copies of the common licenses (`BSD-3-Clause-HP`, `BSD-2-Clause-pos-unchanged`, ...) that
/// differ from them by a name or a word; a text whose author put their own name where the template has a
/// placeholder can land nearer such a variant. Among matches within [`PREFER_COMMON_MARGIN`], the licenses of
/// the abbreviations table win; a variant that differs by a real clause (`BSD-2-Clause-Views`) scores further
/// away and stays.
fn prefer_common<'a>(
    store: &'a Store,
    located: &TextData,
    name: &'a str,
    license_type: LicenseType,
    score: f32,
) -> (&'a str, LicenseType, f32) {
    if crate::abbreviation(name).is_some() {
        return (name, license_type, score);
    }
    let mut best: Option<(&'a str, f32)> = None;
    for common in crate::ABBREVIATIONS {
        let Some(original) = store.get_original(common.spdx) else {
            continue;
        };
        let candidate = located.match_score(original);
        if candidate >= score - PREFER_COMMON_MARGIN && best.is_none_or(|(_, s)| candidate > s) {
            best = Some((common.spdx, candidate));
        }
    }
    match best {
        Some((common, common_score)) => (common, LicenseType::Original, common_score),
        None => (name, license_type, score),
    }
}

/// askalono's bound search is a ternary search over a score that is nearly flat when a short text sits next to
/// a long license (MIT before Apache-2.0 lowers Apache's score by a few percent only), so the located range may
/// swallow the neighbour. Licenses start and end at paragraph boundaries: try each blank-line boundary inside
/// the range as its start, then as its end, and keep strict improvements of the score against the one license.
fn refine_at_paragraphs(
    text: &TextData,
    located: TextData,
    score: f32,
    license: &TextData,
) -> (TextData, f32) {
    let lines = text.lines();
    let base = text.lines_view().0;
    let (start, end) = located.lines_view();
    if start < base || end > base + lines.len() || start >= end {
        return (located, score);
    }
    let is_blank = |idx: usize| lines[idx - base].trim().is_empty();
    let mut best = (start, end, score);
    for idx in start + 1..end {
        if is_blank(idx - 1) && !is_blank(idx) {
            let candidate = text.with_view(idx, end).match_score(license);
            if candidate > best.2 {
                best = (idx, end, candidate);
            }
        }
    }
    let new_start = best.0;
    for idx in new_start + 1..end {
        if is_blank(idx) && !is_blank(idx - 1) {
            let candidate = text.with_view(new_start, idx).match_score(license);
            if candidate > best.2 {
                best = (new_start, idx, candidate);
            }
        }
    }
    if (best.0, best.1) == (start, end) {
        return (located, score);
    }
    (text.with_view(best.0, best.1), best.2)
}

/// The view of `text` without its leading and trailing blank lines. A blanked-out license leaves a long blank run,
/// and askalono's ternary bound search, meeting equal scores on both probes inside it, walks away from the text
/// that is left.
fn trim_blank_ends(text: &TextData) -> TextData {
    let lines = text.lines();
    let base = text.lines_view().0;
    let first = lines.iter().position(|l| !l.trim().is_empty());
    let last = lines.iter().rposition(|l| !l.trim().is_empty());
    match (first, last) {
        (Some(first), Some(last)) => text.with_view(base + first, base + last + 1),
        _ => text.clone(),
    }
}

fn count_words(lines: &[String]) -> usize {
    lines
        .iter()
        .map(|line| line.split_whitespace().count())
        .sum()
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut res = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        res.push(DIGITS[usize::from(b >> 4)] as char);
        res.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    res
}
