//! One SPDX expression for a whole project.

use std::collections::BTreeSet;

use crate::{Analysis, Verdict};

/// A project's licenses in one expression.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Summary {
    /// The SPDX ids of every recognised license file and every `SPDX-License-Identifier:` header, de-duplicated,
    /// sorted and joined with ` AND ` (an override holding `OR` is parenthesised); empty when none. Also what
    /// Fedora's `License:` tag says (Fedora uses SPDX expressions since 2023).
    pub expression: String,
    /// The distinct SPDX ids (or override expressions) in the expression.
    pub ids: Vec<String>,
    /// Paths of the license files that were not recognised, kept apart rather than guessed.
    pub unknown_files: Vec<String>,
}

/// Folds an analysis into one expression, with the unrecognised files listed apart.
pub fn license_summarize(analysis: &Analysis) -> Summary {
    let mut ids = BTreeSet::new();
    let mut unknown_files = Vec::new();
    for file in &analysis.files {
        match &file.verdict {
            Verdict::Unknown { .. } => unknown_files.push(file.path.clone()),
            Verdict::Detected | Verdict::Overridden { .. } => ids.extend(file.spdx_ids()),
        }
    }
    ids.extend(analysis.spdx_headers.keys().cloned());
    let ids: Vec<String> = ids.into_iter().collect();
    let expression = ids
        .iter()
        .map(|id| {
            if id.contains(" OR ") && ids.len() > 1 {
                format!("({id})")
            } else {
                id.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" AND ");
    Summary {
        expression,
        ids,
        unknown_files,
    }
}
