//! Can code under license A be combined into a work distributed under license B?
//!
//! The answer for the common licenses of Go code, by family: permissive (MIT, BSD, ISC, Apache-2.0, ...), weak or
//! file-level copyleft (LGPL, MPL, EPL, CDDL), strong copyleft (GPL) and network copyleft (AGPL). The rules are
//! the FSF's list of GPL-compatible licenses and the licenses' own relicensing clauses: Apache-2.0 and LGPL-3.0
//! fit GPL version 3 but not version 2 only; "or later" lets a GPL or LGPL work be taken under a later version;
//! LGPL code may be taken under the GPL (LGPL-2.x §3); MPL-2.0 names the GPL family as secondary licenses (§3.3);
//! AGPL-3.0 and GPL-3.0 may be combined (§13 of each). A weak copyleft kept inside a work under another license
//! is `conditional`: its files (MPL, EPL, CDDL) or the library (LGPL: relinking, which for Go's static binaries
//! means shipping what lets users relink) stay under their own license.
//!
//! Not legal advice: it answers what a packager's first check answers, and says why.

/// The answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Verdict {
    /// They cannot be combined (ordered first: the worst).
    No,
    /// A license this table does not know, or an expression it cannot read.
    Unknown,
    /// Yes, on a condition the reason names.
    Conditional,
    /// Yes (keeping A's notices, as every license asks).
    Yes,
}

/// Whether code under one license may go into a work under another, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Compatibility {
    /// The code's license (an SPDX expression).
    pub license: String,
    /// The work's license (an SPDX identifier).
    pub into: String,
    /// The answer.
    pub verdict: Verdict,
    /// Why, one sentence per license of the expression that decided it.
    pub reasons: Vec<String>,
}

/// The licenses the table knows, by family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Family {
    /// May be relicensed into anything; `gpl2`/`gpl3`: whether the FSF counts it compatible with that GPL.
    Permissive { gpl2: bool, gpl3: bool },
    /// The LGPL, version 2 (2.0 and 2.1) or 3.
    Lgpl { version: u8, or_later: bool },
    /// MPL-2.0: file-level copyleft, GPL-family secondary licenses.
    Mpl2,
    /// File- or module-level copyleft without a GPL path: MPL-1.1, EPL-1.0, EPL-2.0 (no secondary license
    /// named), CDDL-1.0.
    FileCopyleft,
    /// The GPL, version 2 or 3.
    Gpl { version: u8, or_later: bool },
    /// The AGPL, version 3.
    Agpl,
}

fn family(id: &str) -> Option<Family> {
    let permissive = |gpl2, gpl3| Some(Family::Permissive { gpl2, gpl3 });
    match id {
        "MIT"
        | "MIT-0"
        | "X11"
        | "0BSD"
        | "BSD-2-Clause"
        | "BSD-3-Clause"
        | "ISC"
        | "Zlib"
        | "BSL-1.0"
        | "Unlicense"
        | "CC0-1.0"
        | "PostgreSQL"
        | "Python-2.0"
        | "WTFPL"
        | "Artistic-2.0"
        | "NCSA"
        | "BSD-2-Clause-Patent"
        | "UPL-1.0" => permissive(true, true),
        "Apache-2.0" => permissive(false, true),
        "BSD-4-Clause" => permissive(false, false),
        "LGPL-2.0-only" | "LGPL-2.1-only" => Some(Family::Lgpl {
            version: 2,
            or_later: false,
        }),
        "LGPL-2.0-or-later" | "LGPL-2.1-or-later" => Some(Family::Lgpl {
            version: 2,
            or_later: true,
        }),
        "LGPL-3.0-only" => Some(Family::Lgpl {
            version: 3,
            or_later: false,
        }),
        "LGPL-3.0-or-later" => Some(Family::Lgpl {
            version: 3,
            or_later: true,
        }),
        "MPL-2.0" => Some(Family::Mpl2),
        "MPL-1.1" | "EPL-1.0" | "EPL-2.0" | "CDDL-1.0" => Some(Family::FileCopyleft),
        "GPL-2.0-only" => Some(Family::Gpl {
            version: 2,
            or_later: false,
        }),
        "GPL-2.0-or-later" => Some(Family::Gpl {
            version: 2,
            or_later: true,
        }),
        "GPL-3.0-only" => Some(Family::Gpl {
            version: 3,
            or_later: false,
        }),
        "GPL-3.0-or-later" => Some(Family::Gpl {
            version: 3,
            or_later: true,
        }),
        "AGPL-3.0-only" | "AGPL-3.0-or-later" => Some(Family::Agpl),
        _ => None,
    }
}

/// Whether a GPL-family version set (`version`, and later ones when `or_later`) includes `wanted`.
fn allows(version: u8, or_later: bool, wanted: u8) -> bool {
    version == wanted || (or_later && wanted > version)
}

/// Two licenses of the (L)GPL family: yes when every version the work allows is one the code allows,
/// conditional (the combination takes the versions both allow) when some are, no when none is.
fn versions_answer(a: &str, b: &str, a_versions: &[u8], b_versions: &[u8]) -> (Verdict, String) {
    let common: Vec<u8> = b_versions
        .iter()
        .copied()
        .filter(|v| a_versions.contains(v))
        .collect();
    match common.as_slice() {
        [] => (
            Verdict::No,
            format!("{a} into {b}: no (L)GPL version both licenses allow"),
        ),
        versions if versions == b_versions => (
            Verdict::Yes,
            format!("{a} into {b}: the code allows every version the work allows"),
        ),
        [v, ..] => (
            Verdict::Conditional,
            format!("{a} into {b}: the combination may be distributed under version {v} only"),
        ),
    }
}

/// One license into one work.
fn one(a: &str, b: &str) -> (Verdict, String) {
    use Family::*;
    use Verdict::*;
    let (Some(fa), Some(fb)) = (family(a), family(b)) else {
        let unknown = if family(a).is_none() { a } else { b };
        return (
            Unknown,
            format!("{unknown}: not in the compatibility table"),
        );
    };
    if a == b {
        return (Yes, format!("{a}: the same license"));
    }
    // The GPL version a GPL-family outbound license lets the combination take, given what `a` allows.
    let gpl_versions = |version: u8, or_later: bool| -> Vec<u8> {
        [2u8, 3]
            .into_iter()
            .filter(|&v| allows(version, or_later, v))
            .collect()
    };
    let answer = |verdict: Verdict, why: &str| (verdict, format!("{a} into {b}: {why}"));
    match (fa, fb) {
        (Permissive { .. }, Permissive { .. } | Mpl2 | FileCopyleft) => {
            answer(Yes, "permissive code may be distributed under any license, its notice kept")
        }
        (Permissive { gpl2, gpl3 }, Lgpl { version, or_later } | Gpl { version, or_later }) => {
            let fits = gpl_versions(version, or_later)
                .into_iter()
                .any(|v| if v == 2 { gpl2 } else { gpl3 });
            if fits {
                answer(Yes, "permissive and compatible with that (L)GPL version")
            } else if gpl3 {
                answer(No, "compatible with version 3 of the (L)GPL only (its patent terms), not version 2")
            } else {
                answer(No, "its terms (an advertising clause) are not compatible with the GPL")
            }
        }
        (Permissive { gpl3, .. }, Agpl) => {
            if gpl3 {
                answer(Yes, "permissive and compatible with version 3 of the (A)GPL")
            } else {
                answer(No, "its terms (an advertising clause) are not compatible with the AGPL")
            }
        }
        (Lgpl { .. }, Permissive { .. } | Mpl2 | FileCopyleft) => answer(
            Conditional,
            "the library stays under the LGPL: its source offered and users able to relink (Go links statically: \
             ship what lets them rebuild with a changed library)",
        ),
        (
            Lgpl { version: va, or_later: la },
            Lgpl { version: vb, or_later: lb } | Gpl { version: vb, or_later: lb },
        ) => {
            // LGPL-2.x code may be taken under the GPL version 2 or later (LGPL-2.1 §3); otherwise the versions
            // the two licenses allow must meet.
            let a_versions = if va == 2 && matches!(fb, Gpl { .. }) {
                vec![2, 3]
            } else {
                gpl_versions(va, la)
            };
            versions_answer(a, b, &a_versions, &gpl_versions(vb, lb))
        }
        (Lgpl { .. }, Agpl) => answer(
            Yes,
            "LGPL code may be taken under the GPL version 3, which may be combined with the AGPL (§13)",
        ),
        (Mpl2, Permissive { .. } | Mpl2 | FileCopyleft) => answer(
            Conditional,
            "the MPL-2.0 files stay under the MPL-2.0, their source available",
        ),
        (Mpl2, Lgpl { .. } | Gpl { .. } | Agpl) => answer(
            Yes,
            "the MPL-2.0 names the GPL family as secondary licenses (§3.3), unless the files say \"Incompatible \
             With Secondary Licenses\"",
        ),
        (FileCopyleft, Permissive { .. } | Mpl2 | FileCopyleft) => answer(
            Conditional,
            "its files (or modules) stay under their own license, their source available",
        ),
        (FileCopyleft, Lgpl { .. } | Gpl { .. } | Agpl) => {
            answer(No, "its copyleft is not compatible with the (L)GPL (FSF's list)")
        }
        (Gpl { .. } | Agpl, Permissive { .. } | Lgpl { .. } | Mpl2 | FileCopyleft) => answer(
            No,
            "the whole work would have to be under the GPL family (a strong copyleft)",
        ),
        (Gpl { version: va, or_later: la }, Gpl { version: vb, or_later: lb }) => {
            versions_answer(a, b, &gpl_versions(va, la), &gpl_versions(vb, lb))
        }
        (Gpl { version, or_later }, Agpl) => {
            if allows(version, or_later, 3) {
                answer(Yes, "GPL-3.0 code may be combined with AGPL-3.0 code (§13)")
            } else {
                answer(No, "GPL version 2 only cannot be combined with the AGPL")
            }
        }
        (Agpl, Gpl { version, or_later }) => {
            if allows(version, or_later, 3) {
                answer(
                    Conditional,
                    "GPL-3.0 §13 allows the combination; the AGPL part keeps its network-use terms",
                )
            } else {
                answer(No, "the AGPL cannot be combined with GPL version 2 only")
            }
        }
        (Agpl, Agpl) => answer(Yes, "both the AGPL version 3"),
    }
}

/// Whether code under `license` (an SPDX expression: `A OR B` needs one alternative to fit, `A AND B` all) may
/// be combined into a work under `into` (an SPDX identifier), and why.
pub fn license_compatible(license: &str, into: &str) -> Compatibility {
    let mut result = Compatibility {
        license: license.to_owned(),
        into: into.to_owned(),
        verdict: Verdict::Unknown,
        reasons: Vec::new(),
    };
    let Some(outbound) = spdx::license_id(into.trim()) else {
        result
            .reasons
            .push(format!("{into}: not an SPDX license identifier"));
        return result;
    };
    let expression = match spdx::Expression::parse_mode(license, spdx::ParseMode::LAX) {
        Ok(expression) => expression,
        Err(err) => {
            result
                .reasons
                .push(format!("{license}: not an SPDX expression: {err}"));
            return result;
        }
    };
    // The expression in postfix order: OR takes the better side, AND the worse.
    let mut stack: Vec<(Verdict, Vec<String>)> = Vec::new();
    for node in expression.iter() {
        match node {
            spdx::expression::ExprNode::Req(req) => {
                let (verdict, reason) = match &req.req.license {
                    spdx::LicenseItem::Spdx { id, or_later } => {
                        let name = normalised(id.name, *or_later);
                        if req.req.addition.is_some() {
                            (
                                Verdict::Unknown,
                                format!("{}: an exception (WITH) is not in the table", req.req),
                            )
                        } else {
                            one(&name, outbound.name)
                        }
                    }
                    spdx::LicenseItem::Other(other) => {
                        (Verdict::Unknown, format!("{other}: not an SPDX license"))
                    }
                };
                stack.push((verdict, vec![reason]));
            }
            spdx::expression::ExprNode::Op(op) => {
                let (Some(right), Some(left)) = (stack.pop(), stack.pop()) else {
                    result
                        .reasons
                        .push(format!("{license}: malformed expression"));
                    return result;
                };
                let pick_left = match op {
                    spdx::expression::Operator::Or => left.0 >= right.0,
                    spdx::expression::Operator::And => left.0 <= right.0,
                };
                let (mut kept, other) = if pick_left {
                    (left, right)
                } else {
                    (right, left)
                };
                // AND: every side's reason matters when both fit; OR: the alternative taken.
                if matches!(op, spdx::expression::Operator::And) && kept.0 == other.0 {
                    kept.1.extend(other.1);
                }
                stack.push(kept);
            }
        }
    }
    if let Some((verdict, reasons)) = stack.pop() {
        result.verdict = verdict;
        result.reasons = reasons;
    }
    result
}

/// An SPDX id with `+` (or a deprecated `GPL-2.0`-style id) spelt as the table spells it.
fn normalised(name: &str, or_later: bool) -> String {
    let base = name
        .strip_suffix("-only")
        .or_else(|| name.strip_suffix("-or-later"))
        .unwrap_or(name);
    let gnu = ["GPL-", "LGPL-", "AGPL-"]
        .iter()
        .any(|p| base.starts_with(p));
    if !gnu {
        return name.to_owned();
    }
    if or_later || name.ends_with("-or-later") || name.ends_with('+') {
        format!("{}-or-later", base.trim_end_matches('+'))
    } else {
        format!("{base}-only")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(a: &str, b: &str) -> Verdict {
        license_compatible(a, b).verdict
    }

    // The FSF's statements (https://www.gnu.org/licenses/license-list.html) and the licenses' own clauses.
    #[test]
    fn the_fsf_list_and_relicensing_clauses() {
        use Verdict::*;
        for (a, b, want) in [
            ("MIT", "GPL-2.0-only", Yes),
            ("BSD-3-Clause", "Apache-2.0", Yes),
            ("Apache-2.0", "GPL-2.0-only", No),
            ("Apache-2.0", "GPL-2.0-or-later", Yes),
            ("Apache-2.0", "GPL-3.0-only", Yes),
            ("Apache-2.0", "LGPL-2.1-only", No),
            ("Apache-2.0", "AGPL-3.0-only", Yes),
            ("BSD-4-Clause", "GPL-3.0-or-later", No),
            ("GPL-2.0-only", "GPL-3.0-only", No),
            ("GPL-2.0-or-later", "GPL-3.0-only", Yes),
            ("GPL-3.0-only", "GPL-2.0-or-later", Conditional),
            ("GPL-2.0-only", "GPL-2.0-or-later", Conditional),
            ("GPL-3.0-or-later", "AGPL-3.0-only", Yes),
            ("GPL-2.0-only", "AGPL-3.0-only", No),
            ("AGPL-3.0-only", "GPL-3.0-only", Conditional),
            ("GPL-3.0-only", "MIT", No),
            ("LGPL-2.1-only", "GPL-2.0-only", Yes),
            ("LGPL-2.1-only", "GPL-3.0-only", Yes),
            ("LGPL-3.0-only", "GPL-2.0-only", No),
            ("LGPL-3.0-or-later", "GPL-3.0-or-later", Yes),
            ("LGPL-2.1-or-later", "MIT", Conditional),
            ("LGPL-2.1-only", "LGPL-2.1-or-later", Conditional),
            ("LGPL-3.0-only", "LGPL-2.1-or-later", Conditional),
            ("LGPL-2.1-only", "LGPL-3.0-only", No),
            ("MPL-2.0", "GPL-2.0-only", Yes),
            ("MPL-2.0", "Apache-2.0", Conditional),
            ("EPL-2.0", "GPL-2.0-or-later", No),
            ("CDDL-1.0", "GPL-2.0-only", No),
            ("MPL-1.1", "BSD-3-Clause", Conditional),
        ] {
            assert_eq!(
                verdict(a, b),
                want,
                "{a} into {b}: {:?}",
                license_compatible(a, b).reasons
            );
        }
    }

    #[test]
    fn expressions_take_the_best_alternative_and_the_worst_requirement() {
        assert_eq!(
            verdict("Apache-2.0 OR GPL-2.0-only", "GPL-2.0-only"),
            Verdict::Yes
        );
        assert_eq!(verdict("MIT AND Apache-2.0", "GPL-2.0-only"), Verdict::No);
        assert_eq!(
            verdict("MIT AND BSD-3-Clause", "GPL-2.0-only"),
            Verdict::Yes
        );
        assert_eq!(
            license_compatible("MIT AND BSD-3-Clause", "GPL-2.0-only")
                .reasons
                .len(),
            2
        );
        assert_eq!(verdict("GPL-2.0+", "GPL-3.0-only"), Verdict::Yes);
        assert_eq!(verdict("GPL-2.0", "GPL-3.0-only"), Verdict::No);
    }

    #[test]
    fn unknown_licenses_and_bad_expressions_say_so() {
        for (a, b) in [
            ("LicenseRef-mine", "MIT"),
            ("MIT", "no-such-license"),
            ("MIT AND (", "MIT"),
            ("SSPL-1.0", "MIT"),
            ("GPL-2.0-only WITH Classpath-exception-2.0", "MIT"),
        ] {
            let answer = license_compatible(a, b);
            assert_eq!(answer.verdict, Verdict::Unknown, "{a} into {b}");
            assert!(!answer.reasons.is_empty(), "{a} into {b}: a reason");
        }
    }
}
