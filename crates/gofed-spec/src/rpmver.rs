//! rpm's version ordering, as implemented by rpm 4.18 (`rpmio/rpmvercmp.c`
//! and `rpmio/rpmver.c`).
//!
//! Inputs are treated the way rpm sees them: as C strings, so anything after
//! an embedded NUL is ignored, and only ASCII letters and digits form
//! segments (every other byte, including non-ASCII ones, is a separator).

use std::cmp::Ordering;
use std::fmt;

/// The part of `s` a C function would see.
fn c_bytes(s: &str) -> &[u8] {
    let bytes = s.as_bytes();
    match bytes.iter().position(|&c| c == 0) {
        Some(nul) => &bytes[..nul],
        None => bytes,
    }
}

/// Byte at `i`, or NUL past the end, so the scanning below reads like rpm's
/// pointer walks without any indexing that could panic.
fn byte_at(s: &[u8], i: usize) -> u8 {
    s.get(i).copied().unwrap_or(0)
}

fn segment_end(s: &[u8], start: usize, in_segment: fn(&u8) -> bool) -> usize {
    start
        + s.get(start..)
            .map_or(0, |rest| rest.iter().take_while(|c| in_segment(c)).count())
}

fn strip_zeros(s: &[u8]) -> &[u8] {
    let zeros = s.iter().take_while(|&&c| c == b'0').count();
    &s[zeros..]
}

/// Compares two version (or release) strings the way rpm's `rpmvercmp` does.
///
/// Strings are split into maximal runs of ASCII digits or ASCII letters;
/// anything else only separates runs. Numeric runs compare as numbers of
/// unbounded size and beat alphabetic ones. `~` sorts before everything,
/// even the end of the string (`1.0~rc1 < 1.0`), while `^` sorts after the
/// end of the string but before any further segment (`1.0 < 1.0^git1 < 1.0.1`).
pub fn rpmvercmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (c_bytes(a), c_bytes(b));
    if a == b {
        return Ordering::Equal;
    }
    let is_separator = |c: u8| c != 0 && !c.is_ascii_alphanumeric() && c != b'~' && c != b'^';

    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        while is_separator(byte_at(a, i)) {
            i += 1;
        }
        while is_separator(byte_at(b, j)) {
            j += 1;
        }
        let (ca, cb) = (byte_at(a, i), byte_at(b, j));

        if ca == b'~' || cb == b'~' {
            if ca != b'~' {
                return Ordering::Greater;
            }
            if cb != b'~' {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }

        // Unlike `~`, a caret loses against the end of the other string:
        // a snapshot after a release is newer than the bare release.
        if ca == b'^' || cb == b'^' {
            if ca == 0 {
                return Ordering::Less;
            }
            if cb == 0 {
                return Ordering::Greater;
            }
            if ca != b'^' {
                return Ordering::Greater;
            }
            if cb != b'^' {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }

        if ca == 0 || cb == 0 {
            break;
        }

        // The segment type is decided by `a` alone; `b` may then turn out to
        // have an empty segment of that type.
        let numeric = ca.is_ascii_digit();
        let in_segment: fn(&u8) -> bool = if numeric {
            u8::is_ascii_digit
        } else {
            u8::is_ascii_alphabetic
        };
        let (end_a, end_b) = (segment_end(a, i, in_segment), segment_end(b, j, in_segment));
        if end_b == j {
            return if numeric {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }

        let (mut seg_a, mut seg_b) = (&a[i..end_a], &b[j..end_b]);
        if numeric {
            // Compared by length first so arbitrarily long numbers cannot
            // overflow anything.
            seg_a = strip_zeros(seg_a);
            seg_b = strip_zeros(seg_b);
            match seg_a.len().cmp(&seg_b.len()) {
                Ordering::Equal => {}
                unequal => return unequal,
            }
        }
        match seg_a.cmp(seg_b) {
            Ordering::Equal => {}
            unequal => return unequal,
        }
        i = end_a;
        j = end_b;
    }

    // All segments matched; only differing separators or leftovers remain.
    match (byte_at(a, i) == 0, byte_at(b, j) == 0) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, _) => Ordering::Greater,
    }
}

/// An `[epoch:]version[-release]` triple as rpm's `rpmverParse` splits it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Evr {
    pub epoch: Option<String>,
    pub version: String,
    pub release: Option<String>,
}

impl Evr {
    /// Splits `s` like rpm's `parseEVR`.
    ///
    /// The epoch exists only when the leading run of ASCII digits (possibly
    /// empty) is followed by `:`; an empty one becomes `"0"`. The release is
    /// whatever follows the last `-` after that digit run, so `1-2:3` has
    /// version `1` and release `2:3`, and `a:b` is all version. rpm refuses
    /// an empty string; here that is left to the caller.
    pub fn parse(s: &str) -> Evr {
        let bytes = c_bytes(s);
        let digits = bytes.iter().take_while(|c| c.is_ascii_digit()).count();
        let release_dash = bytes[digits..]
            .iter()
            .rposition(|&c| c == b'-')
            .map(|k| digits + k);
        let version_end = release_dash.unwrap_or(bytes.len());

        let text = |from: usize, to: usize| String::from_utf8_lossy(&bytes[from..to]).into_owned();
        let (epoch, version_start) = if byte_at(bytes, digits) == b':' {
            let epoch = if digits == 0 {
                "0".to_owned()
            } else {
                text(0, digits)
            };
            (Some(epoch), digits + 1)
        } else {
            (None, 0)
        };
        Evr {
            epoch,
            // A '-' before the ':' is impossible: the digit run ends at ':'.
            version: text(version_start.min(version_end), version_end),
            release: release_dash.map(|dash| text(dash + 1, bytes.len())),
        }
    }
}

/// Renders like rpm's `rpmverEVR`: `E:V-R`, leaving out absent parts.
impl fmt::Display for Evr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(epoch) = &self.epoch {
            write!(f, "{epoch}:")?;
        }
        f.write_str(&self.version)?;
        if let Some(release) = &self.release {
            write!(f, "-{release}")?;
        }
        Ok(())
    }
}

/// Orders two EVRs like rpm's `rpmverCmp`.
///
/// A missing epoch counts as `0`. Unlike dependency matching
/// (`rpmverOverlap`), a missing release is not a wildcard: it sorts before
/// any present release, so `1.0 < 1.0-1`.
pub fn compare_evr(a: &Evr, b: &Evr) -> Ordering {
    let epoch_a = a.epoch.as_deref().unwrap_or("0");
    let epoch_b = b.epoch.as_deref().unwrap_or("0");
    rpmvercmp(epoch_a, epoch_b)
        .then_with(|| rpmvercmp(&a.version, &b.version))
        .then_with(|| match (&a.release, &b.release) {
            (Some(ra), Some(rb)) => rpmvercmp(ra, rb),
            (Some(_), None) => Ordering::Greater,
            (None, Some(_)) => Ordering::Less,
            (None, None) => Ordering::Equal,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Ordering::{Equal, Greater, Less};

    /// Every active case of rpm 4.18.2's tests/rpmvercmp.at.
    const RPM_SUITE: &[(&str, &str, i32)] = &[
        ("1.0", "1.0", 0),
        ("1.0", "2.0", -1),
        ("2.0", "1.0", 1),
        ("2.0.1", "2.0.1", 0),
        ("2.0", "2.0.1", -1),
        ("2.0.1", "2.0", 1),
        ("2.0.1a", "2.0.1a", 0),
        ("2.0.1a", "2.0.1", 1),
        ("2.0.1", "2.0.1a", -1),
        ("5.5p1", "5.5p1", 0),
        ("5.5p1", "5.5p2", -1),
        ("5.5p2", "5.5p1", 1),
        ("5.5p10", "5.5p10", 0),
        ("5.5p1", "5.5p10", -1),
        ("5.5p10", "5.5p1", 1),
        ("10xyz", "10.1xyz", -1),
        ("10.1xyz", "10xyz", 1),
        ("xyz10", "xyz10", 0),
        ("xyz10", "xyz10.1", -1),
        ("xyz10.1", "xyz10", 1),
        ("xyz.4", "xyz.4", 0),
        ("xyz.4", "8", -1),
        ("8", "xyz.4", 1),
        ("xyz.4", "2", -1),
        ("2", "xyz.4", 1),
        ("5.5p2", "5.6p1", -1),
        ("5.6p1", "5.5p2", 1),
        ("5.6p1", "6.5p1", -1),
        ("6.5p1", "5.6p1", 1),
        ("6.0.rc1", "6.0", 1),
        ("6.0", "6.0.rc1", -1),
        ("10b2", "10a1", 1),
        ("10a2", "10b2", -1),
        ("1.0aa", "1.0aa", 0),
        ("1.0a", "1.0aa", -1),
        ("1.0aa", "1.0a", 1),
        ("10.0001", "10.0001", 0),
        ("10.0001", "10.1", 0),
        ("10.1", "10.0001", 0),
        ("10.0001", "10.0039", -1),
        ("10.0039", "10.0001", 1),
        ("4.999.9", "5.0", -1),
        ("5.0", "4.999.9", 1),
        ("20101121", "20101121", 0),
        ("20101121", "20101122", -1),
        ("20101122", "20101121", 1),
        ("2_0", "2_0", 0),
        ("2.0", "2_0", 0),
        ("2_0", "2.0", 0),
        ("a", "a", 0),
        ("a+", "a+", 0),
        ("a+", "a_", 0),
        ("a_", "a+", 0),
        ("+a", "+a", 0),
        ("+a", "_a", 0),
        ("_a", "+a", 0),
        ("+_", "+_", 0),
        ("_+", "+_", 0),
        ("_+", "_+", 0),
        ("+", "_", 0),
        ("_", "+", 0),
        ("1.0~rc1", "1.0~rc1", 0),
        ("1.0~rc1", "1.0", -1),
        ("1.0", "1.0~rc1", 1),
        ("1.0~rc1", "1.0~rc2", -1),
        ("1.0~rc2", "1.0~rc1", 1),
        ("1.0~rc1~git123", "1.0~rc1~git123", 0),
        ("1.0~rc1~git123", "1.0~rc1", -1),
        ("1.0~rc1", "1.0~rc1~git123", 1),
        ("1.0^", "1.0^", 0),
        ("1.0^", "1.0", 1),
        ("1.0", "1.0^", -1),
        ("1.0^git1", "1.0^git1", 0),
        ("1.0^git1", "1.0", 1),
        ("1.0", "1.0^git1", -1),
        ("1.0^git1", "1.0^git2", -1),
        ("1.0^git2", "1.0^git1", 1),
        ("1.0^git1", "1.01", -1),
        ("1.01", "1.0^git1", 1),
        ("1.0^20160101", "1.0^20160101", 0),
        ("1.0^20160101", "1.0.1", -1),
        ("1.0.1", "1.0^20160101", 1),
        ("1.0^20160101^git1", "1.0^20160101^git1", 0),
        ("1.0^20160102", "1.0^20160101^git1", 1),
        ("1.0^20160101^git1", "1.0^20160102", -1),
        ("1.0~rc1^git1", "1.0~rc1^git1", 0),
        ("1.0~rc1^git1", "1.0~rc1", 1),
        ("1.0~rc1", "1.0~rc1^git1", -1),
        ("1.0^git1~pre", "1.0^git1~pre", 0),
        ("1.0^git1", "1.0^git1~pre", 1),
        ("1.0^git1~pre", "1.0^git1", -1),
    ];

    fn ord(n: i32) -> Ordering {
        n.cmp(&0)
    }

    #[test]
    fn rpm_test_suite() {
        for &(a, b, want) in RPM_SUITE {
            assert_eq!(rpmvercmp(a, b), ord(want), "rpmvercmp({a:?}, {b:?})");
        }
    }

    /// The cases rpm's suite keeps disabled (`dnl`); the C code gives these
    /// answers, so they pin down the byte-level behaviour.
    #[test]
    fn disabled_rpm_cases_match_the_c_code() {
        let cases = [
            ("1b.fc17", "1b.fc17", Equal),
            ("1b.fc17", "1.fc17", Less),
            ("1.fc17", "1b.fc17", Greater),
            ("1g.fc17", "1g.fc17", Equal),
            ("1g.fc17", "1.fc17", Greater),
            ("1.fc17", "1g.fc17", Less),
            ("1.1.α", "1.1.α", Equal),
            ("1.1.α", "1.1.β", Equal),
            ("1.1.αα", "1.1.α", Equal),
            ("1.1.ββ", "1.1.αα", Equal),
        ];
        for (a, b, want) in cases {
            assert_eq!(rpmvercmp(a, b), want, "rpmvercmp({a:?}, {b:?})");
        }
    }

    #[test]
    fn edge_cases() {
        assert_eq!(rpmvercmp("", ""), Equal);
        assert_eq!(rpmvercmp("", "1"), Less);
        assert_eq!(rpmvercmp("1", ""), Greater);
        assert_eq!(rpmvercmp("", "~"), Greater);
        assert_eq!(rpmvercmp("", "^"), Less);
        assert_eq!(rpmvercmp("1.", "1"), Equal);
        assert_eq!(rpmvercmp("1", "1."), Equal);
        assert_eq!(rpmvercmp("a", "1"), Less);
        assert_eq!(rpmvercmp("1", "a"), Greater);
        assert_eq!(rpmvercmp("000", "0"), Equal);
        assert_eq!(
            rpmvercmp("99999999999999999999999", "100000000000000000000000"),
            Less
        );
        // Anything after a NUL is invisible to rpm.
        assert_eq!(rpmvercmp("1.0\0zzz", "1.0"), Equal);
        assert_eq!(rpmvercmp("1.0", "1.0\u{0}.1"), Equal);
    }

    #[test]
    fn parse_evr() {
        let evr = |e: Option<&str>, v: &str, r: Option<&str>| Evr {
            epoch: e.map(str::to_owned),
            version: v.to_owned(),
            release: r.map(str::to_owned),
        };
        assert_eq!(Evr::parse("1.0"), evr(None, "1.0", None));
        assert_eq!(Evr::parse("1:2.3-4"), evr(Some("1"), "2.3", Some("4")));
        assert_eq!(Evr::parse("2.3-4.fc38"), evr(None, "2.3", Some("4.fc38")));
        assert_eq!(Evr::parse("1.0-a-b"), evr(None, "1.0-a", Some("b")));
        assert_eq!(Evr::parse(":1.0"), evr(Some("0"), "1.0", None));
        assert_eq!(Evr::parse("a:1.0"), evr(None, "a:1.0", None));
        assert_eq!(Evr::parse("1a:1.0-2"), evr(None, "1a:1.0", Some("2")));
        assert_eq!(Evr::parse("1-2:3"), evr(None, "1", Some("2:3")));
        assert_eq!(Evr::parse("1.0-"), evr(None, "1.0", Some("")));
        assert_eq!(Evr::parse("-1"), evr(None, "", Some("1")));
        assert_eq!(Evr::parse("5:"), evr(Some("5"), "", None));
        assert_eq!(Evr::parse("5:-"), evr(Some("5"), "", Some("")));
        assert_eq!(Evr::parse(""), evr(None, "", None));
    }

    #[test]
    fn display_is_rpmver_evr() {
        for (input, shown) in [
            ("1:2.3-4", "1:2.3-4"),
            ("1.0", "1.0"),
            (":1.0", "0:1.0"),
            ("1.0-", "1.0-"),
            ("a:b-c", "a:b-c"),
        ] {
            assert_eq!(Evr::parse(input).to_string(), shown);
        }
    }

    #[test]
    fn compare_evrs() {
        let cmp = |a: &str, b: &str| compare_evr(&Evr::parse(a), &Evr::parse(b));
        assert_eq!(cmp("1.0", "1.0"), Equal);
        assert_eq!(cmp("0:1.0", "1.0"), Equal);
        assert_eq!(cmp("00:1.0", "1.0"), Equal);
        assert_eq!(cmp("1:1.0", "2.0"), Greater);
        assert_eq!(cmp("10:1.0", "9:2.0"), Greater);
        assert_eq!(cmp("1.0~rc", "1.0"), Less);
        assert_eq!(cmp("1.0-1", "1.0-2"), Less);
        assert_eq!(cmp("1.0-10", "1.0-9"), Greater);
        // rpmverCmp, unlike rpmverOverlap, ranks a missing release lowest
        // (rpm's own test: %[v"1.0-rc" > v"1.0"] is 1).
        assert_eq!(cmp("1.0-rc", "1.0"), Greater);
        assert_eq!(cmp("1.0", "1.0-rc"), Less);
        assert_eq!(cmp("1.0-", "1.0"), Greater);
        assert_eq!(cmp("2.0", "1.0-5"), Greater);
    }
}
