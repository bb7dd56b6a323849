//! The version arithmetic gorelease does on top of `golang.org/x/mod/semver`: numbers kept as decimal strings
//! (a version's numbers may exceed any integer type), the next minor or patch, and what a first release looks
//! like.

use gofed_go::load::gomod::semver;

/// A version's parts as gorelease's `parseVersion` splits them: `v1.2.3-rc.1+meta` → `1`, `2`, `3`, `rc.1`,
/// `meta`. `None` unless it starts with `v` and has three dot-separated numbers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionParts<'a> {
    pub major: &'a str,
    pub minor: &'a str,
    pub patch: &'a str,
    pub prerelease: &'a str,
    pub build: &'a str,
}

pub fn parse_version(v: &str) -> Option<VersionParts<'_>> {
    let rest = v.strip_prefix('v')?;
    let (rest, build) = rest.split_once('+').unwrap_or((rest, ""));
    let (core, prerelease) = rest.split_once('-').unwrap_or((rest, ""));
    let mut numbers = core.split('.');
    let (major, minor, patch) = (numbers.next()?, numbers.next()?, numbers.next()?);
    if numbers.next().is_some() {
        return None;
    }
    Some(VersionParts {
        major,
        minor,
        patch,
        prerelease,
        build,
    })
}

/// A decimal string plus one, however long (`199` → `200`, `9` → `10`).
pub fn inc_decimal(decimal: &str) -> String {
    let mut digits = decimal.as_bytes().to_vec();
    let mut i = digits.len();
    while i > 0 && digits[i - 1] == b'9' {
        digits[i - 1] = b'0';
        i -= 1;
    }
    if i > 0 {
        digits[i - 1] += 1;
    } else {
        // All nines (or empty): a new leading digit.
        digits.insert(0, b'1');
    }
    String::from_utf8_lossy(&digits).into_owned()
}

/// Whether `v` looks like a module's first release: `v0.0.0`, `v0.0.1`, `v0.1.0`, or `vN.0.0`.
pub fn maybe_first_version(v: &str) -> bool {
    let Some(p) = parse_version(v) else {
        return false;
    };
    if p.major == "0" {
        matches!((p.minor, p.patch), ("0", "0") | ("0", "1") | ("1", "0"))
    } else {
        p.minor == "0" && p.patch == "0"
    }
}

/// `semver.MajorMinor`: `v1.2` for `v1.2.3`, `v1.0` for `v1`; `""` for an invalid version.
pub fn major_minor(v: &str) -> String {
    if !semver::is_valid(v) {
        return String::new();
    }
    let core = v[1..].split(['-', '+']).next().unwrap_or("");
    let mut numbers = core.split('.');
    let major = numbers.next().unwrap_or("0");
    let minor = numbers.next().unwrap_or("0");
    format!("v{major}.{minor}")
}

/// `semver.Major` with `""` for an invalid version, as Go's returns.
pub fn major(v: &str) -> &str {
    semver::major(v).unwrap_or("")
}

/// A major version suffix of a slash-separated path, read more loosely than a module path's so that wrong
/// ones (`v0`, `v01`, `v1.2`) can be named: `v2` for `foo/bar/v2`, `""` for none.
pub fn dir_major_suffix(path: &str) -> &str {
    let b = path.as_bytes();
    let mut i = b.len();
    while i > 0 && (b[i - 1].is_ascii_digit() || b[i - 1] == b'.') {
        i -= 1;
    }
    if i <= 1 || i == b.len() || b[i - 1] != b'v' || b[i - 2] != b'/' {
        return "";
    }
    &path[i - 1..]
}

/// The version a `latest` query picks among `versions` (in semantic-version order): the highest release, else
/// the highest pre-release.
pub fn latest_of(versions: &[String]) -> Option<&str> {
    versions
        .iter()
        .rev()
        .find(|v| semver::prerelease(v) == Some(""))
        .or(versions.last())
        .map(String::as_str)
}

/// Whether `v` is a pseudo-version, as `module.IsPseudoVersion` says: `vN.0.0-TIME-REV`, `vN.M.P-0.TIME-REV` or
/// `vN.M.P-PRE.0.TIME-REV`, TIME 14 digits, REV letters and digits (build metadata allowed).
pub fn is_pseudo_version(v: &str) -> bool {
    let Some(p) = parse_version(v).filter(|_| semver::is_valid(v)) else {
        return false;
    };
    let Some((head, rev)) = p.prerelease.rsplit_once('-') else {
        return false;
    };
    if rev.is_empty() || !rev.bytes().all(|c| c.is_ascii_alphanumeric()) || head.len() < 14 {
        return false;
    }
    let (head, time) = head.split_at(head.len() - 14);
    if !time.bytes().all(|c| c.is_ascii_digit()) {
        return false;
    }
    if head.is_empty() {
        (p.minor, p.patch) == ("0", "0")
    } else {
        head == "0." || head.ends_with(".0.")
    }
}

/// Versions below every pseudo-version (`v0.0.0-…`) sort before what `go get` picks by default.
pub fn sorts_below_pseudo_versions(v: &str) -> bool {
    semver::compare(v, "v0.0.0-99999999999999-zzzzzzzzzzzz").is_lt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts() {
        let p = parse_version("v1.22.3-rc.1+meta").expect("parses");
        assert_eq!(
            (p.major, p.minor, p.patch, p.prerelease, p.build),
            ("1", "22", "3", "rc.1", "meta")
        );
        assert!(parse_version("1.2.3").is_none());
        assert!(parse_version("v1.2").is_none());
        assert!(parse_version("v1.2.3.4").is_none());
    }

    #[test]
    fn increments() {
        assert_eq!(inc_decimal("0"), "1");
        assert_eq!(inc_decimal("9"), "10");
        assert_eq!(inc_decimal("199"), "200");
        assert_eq!(inc_decimal("18446744073709551615"), "18446744073709551616");
    }

    #[test]
    fn first_versions() {
        for v in ["v0.0.0", "v0.0.1", "v0.1.0", "v1.0.0", "v2.0.0"] {
            assert!(maybe_first_version(v), "{v}");
        }
        for v in ["v0.1.1", "v0.2.0", "v1.0.1", "v1.1.0", "banana"] {
            assert!(!maybe_first_version(v), "{v}");
        }
    }

    #[test]
    fn suffixes_and_prefixes() {
        assert_eq!(dir_major_suffix("example.com/m/v2"), "v2");
        assert_eq!(dir_major_suffix("example.com/m/v1.2"), "v1.2");
        assert_eq!(dir_major_suffix("example.com/m"), "");
        assert_eq!(dir_major_suffix("example.com/mv2"), "");
        assert_eq!(major_minor("v1.2.3-pre"), "v1.2");
        assert_eq!(major_minor("v1"), "v1.0");
        assert_eq!(major_minor("x"), "");
        assert!(sorts_below_pseudo_versions("v0.0.0-1"));
        assert!(!sorts_below_pseudo_versions("v0.0.0-alpha"));
        assert!(!sorts_below_pseudo_versions("v0.0.1"));
    }

    #[test]
    fn pseudo_versions() {
        for v in [
            "v0.0.0-20191109021931-daa7c04131f5",
            "v1.2.4-0.20191109021931-daa7c04131f5",
            "v1.2.3-pre.0.20191109021931-daa7c04131f5",
            "v2.0.0-20191109021931-daa7c04131f5+incompatible",
        ] {
            assert!(is_pseudo_version(v), "{v}");
        }
        for v in [
            "v1.2.3",
            "v1.2.3-rc.1",
            "v1.2.0-20191109021931-daa7c04131f5",
            "v1.2.3-pre.20191109021931-daa7c04131f5",
            "v0.0.0-2019110902193-daa7c04131f5",
            "v0.0.0-20191109021931-",
            "v0.0.0-20191109021931",
        ] {
            assert!(!is_pseudo_version(v), "{v}");
        }
    }
}
