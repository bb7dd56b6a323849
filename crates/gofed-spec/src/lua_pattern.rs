//! Lua 5.4 string patterns (`string.match`, `string.gsub`), byte-wise as Lua runs them.
//!
//! Fedora's Go and forge macros compute names and URLs with Lua patterns; modelling them with the same matcher
//! keeps their corner cases (greedy classes, `%p`, unanchored finds) identical. Supported: `.`, `%a %d %l %p %s
//! %u %w %x` and their upper-case complements, `%`-escapes, sets `[...]`/`[^...]` with ranges, the quantifiers
//! `* + - ?`, anchors `^` and `$`, and captures `(...)`. Not used by those macros and not supported: `%b`, `%f`,
//! back-references and position captures; a pattern using them never matches.

/// Matching steps allowed per call: a hostile input cannot make a pattern run away.
const MAX_STEPS: usize = 1_000_000;

struct Matcher<'a> {
    s: &'a [u8],
    p: &'a [u8],
    captures: Vec<(usize, Option<usize>)>,
    steps: usize,
}

fn class_matches(class: u8, c: u8) -> bool {
    let result = match class.to_ascii_lowercase() {
        b'a' => c.is_ascii_alphabetic(),
        b'd' => c.is_ascii_digit(),
        b'l' => c.is_ascii_lowercase(),
        b'p' => c.is_ascii_punctuation(),
        b's' => c.is_ascii_whitespace() || c == 0x0b,
        b'u' => c.is_ascii_uppercase(),
        b'w' => c.is_ascii_alphanumeric(),
        b'x' => c.is_ascii_hexdigit(),
        b'c' => c.is_ascii_control(),
        _ => return class == c,
    };
    if class.is_ascii_uppercase() {
        !result
    } else {
        result
    }
}

impl<'a> Matcher<'a> {
    /// End of the single-character class starting at `p`.
    fn class_end(&self, mut p: usize) -> Option<usize> {
        let c = *self.p.get(p)?;
        p += 1;
        match c {
            b'%' => Some(p + 1).filter(|&e| e <= self.p.len()),
            b'[' => {
                if self.p.get(p) == Some(&b'^') {
                    p += 1;
                }
                loop {
                    let c = *self.p.get(p)?;
                    p += 1;
                    if c == b'%' {
                        p += 1;
                    } else if c == b']' && p > 0 {
                        return Some(p);
                    }
                    if p > self.p.len() {
                        return None;
                    }
                }
            }
            _ => Some(p),
        }
    }

    fn set_matches(&self, start: usize, end: usize, c: u8) -> bool {
        // start points at '[', end just after ']'.
        let mut p = start + 1;
        let negate = self.p.get(p) == Some(&b'^');
        if negate {
            p += 1;
        }
        let last = end - 1;
        let mut found = false;
        while p < last {
            if self.p[p] == b'%' && p + 1 < last {
                if class_matches(self.p[p + 1], c) {
                    found = true;
                }
                p += 2;
            } else if p + 2 < last && self.p[p + 1] == b'-' {
                if self.p[p] <= c && c <= self.p[p + 2] {
                    found = true;
                }
                p += 3;
            } else {
                if self.p[p] == c {
                    found = true;
                }
                p += 1;
            }
        }
        found != negate
    }

    fn single_matches(&self, s: usize, p: usize, ep: usize) -> bool {
        let Some(&c) = self.s.get(s) else {
            return false;
        };
        match self.p[p] {
            b'.' => true,
            b'%' => class_matches(self.p[p + 1], c),
            b'[' => self.set_matches(p, ep, c),
            literal => literal == c,
        }
    }

    fn do_match(&mut self, mut s: usize, mut p: usize) -> Option<usize> {
        loop {
            self.steps += 1;
            if self.steps > MAX_STEPS {
                return None;
            }
            if p == self.p.len() {
                return Some(s);
            }
            match self.p[p] {
                b'(' => {
                    self.captures.push((s, None));
                    let result = self.do_match(s, p + 1);
                    if result.is_none() {
                        self.captures.pop();
                    }
                    return result;
                }
                b')' => {
                    let open = self.captures.iter().rposition(|c| c.1.is_none())?;
                    self.captures[open].1 = Some(s);
                    let result = self.do_match(s, p + 1);
                    if result.is_none() {
                        self.captures[open].1 = None;
                    }
                    return result;
                }
                b'$' if p + 1 == self.p.len() => return (s == self.s.len()).then_some(s),
                b'%' if matches!(self.p.get(p + 1), Some(b'b' | b'f')) => return None,
                _ => {}
            }
            let ep = self.class_end(p)?;
            let matches = self.single_matches(s, p, ep);
            match self.p.get(ep) {
                Some(b'?') => {
                    if matches {
                        if let Some(end) = self.do_match(s + 1, ep + 1) {
                            return Some(end);
                        }
                    }
                    p = ep + 1;
                }
                Some(b'+') => {
                    return if matches {
                        self.max_expand(s + 1, p, ep)
                    } else {
                        None
                    };
                }
                Some(b'*') => return self.max_expand(s, p, ep),
                Some(b'-') => return self.min_expand(s, p, ep),
                _ => {
                    if !matches {
                        return None;
                    }
                    s += 1;
                    p = ep;
                }
            }
        }
    }

    fn max_expand(&mut self, s: usize, p: usize, ep: usize) -> Option<usize> {
        let mut count = 0;
        while self.single_matches(s + count, p, ep) {
            count += 1;
        }
        loop {
            if let Some(end) = self.do_match(s + count, ep + 1) {
                return Some(end);
            }
            if count == 0 {
                return None;
            }
            count -= 1;
        }
    }

    fn min_expand(&mut self, mut s: usize, p: usize, ep: usize) -> Option<usize> {
        loop {
            if let Some(end) = self.do_match(s, ep + 1) {
                return Some(end);
            }
            if self.single_matches(s, p, ep) {
                s += 1;
            } else {
                return None;
            }
        }
    }
}

/// A match: where it starts and ends, and its captures (the whole match when the pattern has none).
pub(crate) struct Match {
    pub start: usize,
    pub end: usize,
    pub captures: Vec<String>,
}

/// `string.find(s, pattern, init)` with its captures.
fn find_from(s: &str, pattern: &str, init: usize) -> Option<Match> {
    let (anchored, pat) = match pattern.strip_prefix('^') {
        Some(rest) => (true, rest),
        None => (false, pattern),
    };
    let mut matcher = Matcher {
        s: s.as_bytes(),
        p: pat.as_bytes(),
        captures: Vec::new(),
        steps: 0,
    };
    let mut start = init;
    loop {
        matcher.captures.clear();
        if let Some(end) = matcher.do_match(start, 0) {
            let captures = if matcher.captures.is_empty() {
                vec![s.get(start..end).unwrap_or("").to_string()]
            } else {
                matcher
                    .captures
                    .iter()
                    .map(|&(a, b)| {
                        String::from_utf8_lossy(&s.as_bytes()[a..b.unwrap_or(a)]).into_owned()
                    })
                    .collect()
            };
            return Some(Match {
                start,
                end,
                captures,
            });
        }
        start += 1;
        if anchored || start > s.len() || matcher.steps > MAX_STEPS {
            return None;
        }
    }
}

/// `string.match(s, pattern)`: the first capture (or the whole match).
pub(crate) fn matched(s: &str, pattern: &str) -> Option<String> {
    find_from(s, pattern, 0).and_then(|m| m.captures.into_iter().next())
}

/// `string.gsub(s, pattern, replacement)` with `%0`-`%9` in the replacement; returns the result and the number of
/// replacements.
pub(crate) fn gsub(s: &str, pattern: &str, replacement: &str) -> (String, usize) {
    gsub_with(s, pattern, |m| {
        let mut out = String::new();
        let mut chars = replacement.chars();
        while let Some(c) = chars.next() {
            if c != '%' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('0') => out.push_str(&s[m.start..m.end]),
                Some(d @ '1'..='9') => {
                    let index = d as usize - '1' as usize;
                    out.push_str(m.captures.get(index).map(String::as_str).unwrap_or(""));
                }
                Some(other) => out.push(other),
                None => {}
            }
        }
        out
    })
}

/// `string.gsub` with a function replacement.
pub(crate) fn gsub_with(
    s: &str,
    pattern: &str,
    mut replace: impl FnMut(&Match) -> String,
) -> (String, usize) {
    let anchored = pattern.starts_with('^');
    let mut out = String::new();
    let mut position = 0;
    let mut count = 0;
    while position <= s.len() {
        let Some(m) = find_from(s, pattern, position) else {
            break;
        };
        out.push_str(&s[position..m.start]);
        out.push_str(&replace(&m));
        count += 1;
        if m.end > m.start {
            position = m.end;
        } else {
            // An empty match: copy one character and go on, as Lua does.
            if let Some(c) = s[m.start..].chars().next() {
                out.push(c);
            }
            position = m.start + s[m.start..].chars().next().map_or(1, char::len_utf8);
        }
        if anchored {
            break;
        }
    }
    if position < s.len() {
        out.push_str(&s[position..]);
    }
    (out, count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_and_substitutes_as_lua() {
        assert_eq!(
            matched("https://github.com/a/b", "^[^:]+://([^/]+)/").as_deref(),
            Some("github.com")
        );
        assert_eq!(
            gsub("github.com/foo/", "^([^/]+)%.([^%./]+)/", "%1/").0,
            "github/foo/"
        );
        assert_eq!(
            gsub("a1.2.3", "(%d)%.(%d)", "%1:%2"),
            ("a1:2.3".to_string(), 1)
        );
        assert_eq!(gsub("a_b.c//d", "[%._/%-~]+", "-").0, "a-b-c-d");
        assert_eq!(gsub("x-v1.2-y", "%-v([%.%d]+%-)", "-%1").0, "x-1.2-y");
        assert_eq!(
            matched("https://x/a/b.tar.gz", "/([^/]+)$").as_deref(),
            Some("b.tar.gz")
        );
        assert_eq!(gsub("  a  b ", "%s+", " ").0, " a b ");
        assert_eq!(matched("abc", "^b"), None);
        assert_eq!(matched("v1", "^v[%d]").as_deref(), Some("v1"));
    }

    #[test]
    fn hostile_patterns_stop() {
        let s = "a".repeat(5000);
        assert_eq!(matched(&s, "(a*)*b"), None);
        assert_eq!(matched("abc", "[a"), None);
        assert_eq!(matched("abc", "%"), None);
    }
}
