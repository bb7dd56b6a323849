//! Go's package patterns: cmd/internal/pkgpattern's `MatchPattern` (`...` wildcards, and a
//! wildcard never matching the `vendor` element of a vendored package's path), without
//! regular expressions.

/// Stands for a non-trailing `vendor` path element, which a wildcard cannot match.
const VENDOR_CHAR: char = '\0';

/// Whether `pattern` contains a wildcard.
pub fn is_wildcard(pattern: &str) -> bool {
    pattern.contains("...")
}

/// A compiled `MatchPattern(pattern)`.
pub struct Matcher {
    /// Alternatives, each a sequence of literal text and wildcards.
    alternatives: Vec<Vec<Piece>>,
}

#[derive(Debug, PartialEq)]
enum Piece {
    Literal(String),
    Wild,
}

impl Matcher {
    /// `pattern` is a slash-separated import path or `./`-relative directory pattern.
    pub fn new(pattern: &str) -> Matcher {
        if pattern.contains(VENDOR_CHAR) {
            return Matcher {
                alternatives: Vec::new(),
            };
        }
        let re = replace_vendor(pattern);
        let vendor_suffix = format!("/{VENDOR_CHAR}/...");
        let vendor_only = format!("{VENDOR_CHAR}/...");
        let alternatives: Vec<String> = if let Some(prefix) = re.strip_suffix(&vendor_suffix) {
            // `x/vendor/...` matches `x/vendor` itself and what is below it.
            vec![
                format!("{prefix}/vendor"),
                format!("{prefix}/{VENDOR_CHAR}/..."),
            ]
        } else if re == vendor_only {
            vec!["/vendor".to_owned(), format!("/{VENDOR_CHAR}/...")]
        } else if let Some(prefix) = re.strip_suffix("/...") {
            // A trailing `/...` also matches the empty string: `net/...` matches `net`.
            vec![prefix.to_owned(), re.clone()]
        } else {
            vec![re]
        };
        Matcher {
            alternatives: alternatives.iter().map(|alt| pieces(alt)).collect(),
        }
    }

    /// Whether `name` (an import path, or `./dir`) matches.
    pub fn matches(&self, name: &str) -> bool {
        if name.contains(VENDOR_CHAR) {
            return false;
        }
        let name: Vec<char> = replace_vendor(name).chars().collect();
        self.alternatives.iter().any(|alt| glob(alt, &name))
    }
}

fn pieces(pattern: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    for (i, part) in pattern.split("...").enumerate() {
        if i > 0 {
            out.push(Piece::Wild);
        }
        if !part.is_empty() {
            out.push(Piece::Literal(part.to_owned()));
        }
    }
    out
}

/// Replaces the non-trailing `vendor` elements of a slash-separated path.
fn replace_vendor(path: &str) -> String {
    if !path.contains("vendor") {
        return path.to_owned();
    }
    let elems: Vec<&str> = path.split('/').collect();
    let last = elems.len() - 1;
    let vendor = VENDOR_CHAR.to_string();
    elems
        .iter()
        .enumerate()
        .map(|(i, e)| {
            if i < last && *e == "vendor" {
                vendor.as_str()
            } else {
                e
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Matches `name` against literals and wildcards (`[^\0]*`), by dynamic programming over
/// (piece, offset): linear in the product of the lengths, never exponential.
fn glob(pieces: &[Piece], name: &[char]) -> bool {
    // reachable[i]: the pieces so far can match name[..i].
    let mut reachable = vec![false; name.len() + 1];
    reachable[0] = true;
    for piece in pieces {
        let mut next = vec![false; name.len() + 1];
        match piece {
            Piece::Literal(text) => {
                let text: Vec<char> = text.chars().collect();
                for start in 0..=name.len() {
                    if reachable[start] && name[start..].starts_with(&text) {
                        next[start + text.len()] = true;
                    }
                }
            }
            Piece::Wild => {
                let mut open = false;
                for i in 0..=name.len() {
                    open = open || reachable[i];
                    next[i] = open;
                    if i < name.len() && name[i] == VENDOR_CHAR {
                        open = false;
                    }
                }
            }
        }
        reachable = next;
    }
    reachable[name.len()]
}

#[cfg(test)]
mod tests {
    use super::Matcher;

    /// The cases of cmd/internal/pkgpattern's TestMatchPattern.
    #[test]
    fn match_pattern_as_go() {
        let cases: &[(&str, &[&str], &[&str])] = &[
            ("...", &["foo"], &[]),
            ("net", &["net"], &["net/http"]),
            ("net/http", &["net/http"], &["net"]),
            (
                "net...",
                &["net", "net/http", "netchan"],
                &["not/http", "not/net/http"],
            ),
            (
                "net/...",
                &["net", "net/http"],
                &["not/http", "not/net/http", "netchan"],
            ),
            (
                "./...",
                &["./vendor", "./mycode/vendor"],
                &["./vendor/foo", "./mycode/vendor/foo"],
            ),
            (
                "./vendor/...",
                &["./vendor/foo", "./vendor/foo/vendor"],
                &["./vendor/foo/vendor/bar"],
            ),
            (
                "mycode/vendor/...",
                &[
                    "mycode/vendor",
                    "mycode/vendor/foo",
                    "mycode/vendor/foo/vendor",
                ],
                &["mycode/vendor/foo/vendor/bar"],
            ),
            ("x/vendor/y", &["x/vendor/y"], &["x/vendor"]),
            (
                "x/vendor/y/...",
                &[
                    "x/vendor/y",
                    "x/vendor/y/z",
                    "x/vendor/y/vendor",
                    "x/vendor/y/z/vendor",
                ],
                &["x/vendor/y/vendor/z"],
            ),
            (
                ".../vendor/...",
                &[
                    "x/vendor/y",
                    "x/vendor/y/z",
                    "x/vendor/y/vendor",
                    "x/vendor/y/z/vendor",
                ],
                &[],
            ),
            // The root directory of `./...`.
            ("./...", &["."], &[".."]),
        ];
        for (pattern, yes, no) in cases {
            let m = Matcher::new(pattern);
            for name in *yes {
                assert!(m.matches(name), "{pattern} should match {name}");
            }
            for name in *no {
                assert!(!m.matches(name), "{pattern} should not match {name}");
            }
        }
    }
}
