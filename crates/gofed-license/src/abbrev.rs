//! SPDX identifiers ↔ full names ↔ Fedora's and Debian's short names.

/// One license under its several names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Abbreviation {
    /// The SPDX identifier; since 2023 also what Fedora's `License:` tag says.
    pub spdx: &'static str,
    /// Fedora's short name before its move to SPDX (the "callaway" names still found in older spec files).
    pub fedora_legacy: &'static str,
    /// Debian's DEP-5 short name (`debian/copyright`'s `License:` field).
    pub debian: &'static str,
    /// Other spellings met in `debian/copyright` files (compared case-insensitively, like the main name).
    pub debian_aliases: &'static [&'static str],
}

impl Abbreviation {
    /// The SPDX full name (`MIT License`, `Apache License 2.0`), from the SPDX license list.
    pub fn full_name(&self) -> &'static str {
        spdx::license_id(self.spdx).map_or(self.spdx, |id| id.full_name)
    }
}

const fn abbr(
    spdx: &'static str,
    fedora_legacy: &'static str,
    debian: &'static str,
    debian_aliases: &'static [&'static str],
) -> Abbreviation {
    Abbreviation {
        spdx,
        fedora_legacy,
        debian,
        debian_aliases,
    }
}

/// The licenses common in Go code (first version of the table).
pub const ABBREVIATIONS: &[Abbreviation] = &[
    abbr("MIT", "MIT", "Expat", &["MIT", "MIT/X11", "Expat/MIT"]),
    abbr("MIT-0", "MIT-0", "MIT-0", &[]),
    abbr("X11", "MIT", "X11", &[]),
    abbr("0BSD", "0BSD", "0BSD", &[]),
    abbr(
        "BSD-2-Clause",
        "BSD",
        "BSD-2-clause",
        &["BSD-2", "FreeBSD", "BSD-2-Clause-FreeBSD"],
    ),
    abbr(
        "BSD-3-Clause",
        "BSD",
        "BSD-3-clause",
        &["BSD-3", "BSD-3-clause-Google", "BSD-3-Clause-Google"],
    ),
    abbr("BSD-4-Clause", "BSD with advertising", "BSD-4-clause", &[]),
    abbr(
        "Apache-2.0",
        "ASL 2.0",
        "Apache-2.0",
        &["Apache-2", "Apache"],
    ),
    abbr("ISC", "ISC", "ISC", &[]),
    abbr("MPL-1.1", "MPLv1.1", "MPL-1.1", &[]),
    abbr("MPL-2.0", "MPLv2.0", "MPL-2.0", &["MPL-2"]),
    abbr(
        "GPL-2.0-only",
        "GPLv2",
        "GPL-2",
        &["GPL-2.0", "GPL-2.0-only"],
    ),
    abbr(
        "GPL-2.0-or-later",
        "GPLv2+",
        "GPL-2+",
        &["GPL-2.0+", "GPL-2.0-or-later"],
    ),
    abbr(
        "GPL-3.0-only",
        "GPLv3",
        "GPL-3",
        &["GPL-3.0", "GPL-3.0-only"],
    ),
    abbr(
        "GPL-3.0-or-later",
        "GPLv3+",
        "GPL-3+",
        &["GPL-3.0+", "GPL-3.0-or-later"],
    ),
    abbr("LGPL-2.0-only", "LGPLv2", "LGPL-2", &["LGPL-2.0"]),
    abbr("LGPL-2.0-or-later", "LGPLv2+", "LGPL-2+", &["LGPL-2.0+"]),
    abbr("LGPL-2.1-only", "LGPLv2", "LGPL-2.1", &["LGPL-2.1-only"]),
    abbr(
        "LGPL-2.1-or-later",
        "LGPLv2+",
        "LGPL-2.1+",
        &["LGPL-2.1-or-later"],
    ),
    abbr(
        "LGPL-3.0-only",
        "LGPLv3",
        "LGPL-3",
        &["LGPL-3.0", "LGPL-3.0-only"],
    ),
    abbr(
        "LGPL-3.0-or-later",
        "LGPLv3+",
        "LGPL-3+",
        &["LGPL-3.0+", "LGPL-3.0-or-later"],
    ),
    abbr(
        "AGPL-3.0-only",
        "AGPLv3",
        "AGPL-3",
        &["AGPL-3.0", "AGPL-3.0-only"],
    ),
    abbr(
        "AGPL-3.0-or-later",
        "AGPLv3+",
        "AGPL-3+",
        &["AGPL-3.0+", "AGPL-3.0-or-later"],
    ),
    abbr(
        "Unlicense",
        "Unlicense",
        "Unlicense",
        &["public-domain-unlicense"],
    ),
    abbr("CC0-1.0", "CC0", "CC0-1.0", &["CC0"]),
    abbr("CC-BY-4.0", "CC-BY", "CC-BY-4.0", &[]),
    abbr("CC-BY-SA-4.0", "CC-BY-SA", "CC-BY-SA-4.0", &[]),
    abbr("Zlib", "zlib", "Zlib", &[]),
    abbr("BSL-1.0", "Boost", "BSL-1.0", &["Boost-1.0"]),
    abbr("WTFPL", "WTFPL", "WTFPL", &[]),
    abbr("EPL-1.0", "EPL-1.0", "EPL-1.0", &[]),
    abbr("EPL-2.0", "EPL-2.0", "EPL-2.0", &[]),
    abbr("Artistic-2.0", "Artistic 2.0", "Artistic-2.0", &[]),
    abbr("PostgreSQL", "PostgreSQL", "PostgreSQL", &[]),
    abbr("Python-2.0", "Python", "PSF-2", &["Python-2.0", "PSF"]),
];

/// The table row for an SPDX identifier (exact; deprecated ids such as `GPL-2.0` are looked up as aliases).
pub fn abbreviation(spdx_id: &str) -> Option<&'static Abbreviation> {
    ABBREVIATIONS
        .iter()
        .find(|a| a.spdx == spdx_id)
        .or_else(|| {
            ABBREVIATIONS
                .iter()
                .find(|a| a.debian_aliases.contains(&spdx_id) && spdx_id.contains(['.', '-']))
        })
}

/// The table row for a Debian DEP-5 short name, case-insensitively (`Expat`, `BSD-3-clause`, `GPL-2+`); an
/// SPDX identifier is accepted too, as many newer `debian/copyright` files use them.
pub fn abbreviation_by_debian(name: &str) -> Option<&'static Abbreviation> {
    let name = name.trim();
    ABBREVIATIONS
        .iter()
        .find(|a| a.debian.eq_ignore_ascii_case(name))
        .or_else(|| {
            ABBREVIATIONS.iter().find(|a| {
                a.debian_aliases
                    .iter()
                    .any(|x| x.eq_ignore_ascii_case(name))
            })
        })
        .or_else(|| {
            ABBREVIATIONS
                .iter()
                .find(|a| a.spdx.eq_ignore_ascii_case(name))
        })
}

/// The table rows whose legacy Fedora short name is `name` (several SPDX ids share `BSD`, `MIT`, `LGPLv2`).
pub fn abbreviation_by_fedora(name: &str) -> Vec<&'static Abbreviation> {
    ABBREVIATIONS
        .iter()
        .filter(|a| a.fedora_legacy == name.trim())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spdx_id_is_on_the_spdx_list_and_unique() {
        let mut seen = std::collections::BTreeSet::new();
        for a in ABBREVIATIONS {
            let id =
                spdx::license_id(a.spdx).unwrap_or_else(|| panic!("{} is not an SPDX id", a.spdx));
            assert!(!id.is_deprecated(), "{} is deprecated", a.spdx);
            assert_ne!(a.full_name(), a.spdx);
            assert!(seen.insert(a.spdx), "{} twice", a.spdx);
        }
        let mut debian = std::collections::BTreeSet::new();
        for a in ABBREVIATIONS {
            assert!(
                debian.insert(a.debian.to_ascii_lowercase()),
                "Debian name {} twice",
                a.debian
            );
        }
    }

    #[test]
    fn lookups() {
        assert_eq!(abbreviation_by_debian("Expat").map(|a| a.spdx), Some("MIT"));
        assert_eq!(
            abbreviation_by_debian("bsd-3-clause").map(|a| a.spdx),
            Some("BSD-3-Clause")
        );
        assert_eq!(
            abbreviation_by_debian("GPL-2+").map(|a| a.spdx),
            Some("GPL-2.0-or-later")
        );
        assert_eq!(
            abbreviation_by_debian("GPL-2.0+").map(|a| a.spdx),
            Some("GPL-2.0-or-later")
        );
        assert_eq!(
            abbreviation_by_debian("Apache-2.0").map(|a| a.spdx),
            Some("Apache-2.0")
        );
        assert_eq!(
            abbreviation("GPL-2.0").map(|a| a.spdx),
            Some("GPL-2.0-only")
        );
        assert_eq!(
            abbreviation("Apache-2.0").map(|a| a.debian),
            Some("Apache-2.0")
        );
        assert_eq!(
            abbreviation("MIT").map(|a| a.full_name()),
            Some("MIT License")
        );
        let bsd: Vec<_> = abbreviation_by_fedora("BSD")
            .iter()
            .map(|a| a.spdx)
            .collect();
        assert_eq!(bsd, vec!["BSD-2-Clause", "BSD-3-Clause"]);
        assert_eq!(abbreviation_by_debian("no-such-license"), None);
    }
}
