//! The build-relevant part of a source file's header: go/build's `parseFileHeader` and
//! `shouldBuild` rules on raw bytes.

use std::borrow::Cow;

use memchr::{memchr, memmem};

use crate::build::constraint::{self, ConstraintError, Expr};

/// The build constraints found at the top of a source file by [`parse_file_header`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileHeader {
    /// The `//go:build` expression, if the file has one. It then alone decides.
    pub go_build: Option<Expr>,
    /// The `// +build` lines that count, in order; they all must hold. Always empty when
    /// [`go_build`](Self::go_build) is set, and lines that fail to parse are left out
    /// (as go/build does).
    pub plus_build: Vec<Expr>,
    /// Whether a `//go:binary-only-package` line was seen. go/build ignores it in `_test.go`
    /// and non-Go files; that is the caller's decision.
    pub binary_only: bool,
}

impl FileHeader {
    /// Whether the constraints hold, asking `ok` about each tag (go/build's `shouldBuild`).
    ///
    /// A file without constraints always holds. Like Go, every `+build` line is evaluated
    /// even after one failed, so `ok` sees every tag.
    pub fn should_build(&self, ok: &mut impl FnMut(&str) -> bool) -> bool {
        if let Some(x) = &self.go_build {
            return x.eval(ok);
        }
        let mut res = true;
        for x in &self.plus_build {
            res &= x.eval(ok);
        }
        res
    }

    /// Whether the constraints can hold for some configuration, as the go command decides when it
    /// gathers every possible import ([`Expr::eval_any_tags`]): only `ignore` excludes a file.
    pub fn should_build_any_tags(&self) -> bool {
        match &self.go_build {
            Some(x) => x.eval_any_tags(),
            None => self.plus_build.iter().all(Expr::eval_any_tags),
        }
    }

    /// Whether the file has no build constraints at all.
    pub fn is_unconstrained(&self) -> bool {
        self.go_build.is_none() && self.plus_build.is_empty()
    }
}

/// Scans the leading comments of a source file for build constraints.
///
/// The rules are go/build's (identical in Go 1.19 and 1.27):
///
/// - Only the leading run of blank lines and `//` and `/* */` comments counts; the scan stops
///   at the first line with other text. A leading UTF-8 byte order mark is skipped.
/// - A `//go:build` line anywhere in that run (not inside a `/* */` comment) is the
///   constraint; a second one is [`ConstraintError::MultipleGoBuild`], and one that does not
///   parse is [`ConstraintError::GoBuildLine`].
/// - Without `//go:build`, `// +build` lines count only if they lie before the last blank line
///   that precedes the first line that is neither blank nor a `//` comment (so that a `+build`
///   line in a package doc comment does not count). A `/* */` comment ends that region too.
///
/// Lines are split at `\n` and trimmed of (Unicode) white space, so CRLF files work. Bytes
/// need not be UTF-8. The scan costs one pass over the header, with no allocation unless a
/// constraint line is found.
pub fn parse_file_header(src: &[u8]) -> Result<FileHeader, ConstraintError> {
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    let content = src.strip_prefix(BOM).unwrap_or(src);

    let mut header = FileHeader::default();
    // End of the region in which `// +build` lines count.
    let mut end = 0usize;
    // A line that is neither blank nor a `//` comment was seen: `end` no longer moves.
    let mut ended = false;
    let mut in_slash_star = false;
    let mut go_build: Option<(usize, &[u8])> = None;
    // `// +build` candidates, with the offset just past their line.
    let mut plus_build: Vec<(usize, &[u8])> = Vec::new();

    let mut rest = content;
    let mut line_no = 0usize;
    'lines: while !rest.is_empty() {
        let raw = match memchr(b'\n', rest) {
            Some(i) => {
                let (raw, next) = rest.split_at(i);
                rest = &next[1..];
                raw
            }
            None => std::mem::take(&mut rest),
        };
        line_no += 1;
        let line_end = content.len() - rest.len();
        let mut line = trim_space(raw);
        if line.is_empty() && !ended {
            // Not inside `/* */` here: a line opening one sets `ended`.
            end = line_end;
            continue;
        }
        if !line.starts_with(b"//") {
            ended = true;
        }
        if !in_slash_star {
            if is_go_build_comment(line) {
                if go_build.is_some() {
                    return Err(ConstraintError::MultipleGoBuild { line: line_no });
                }
                go_build = Some((line_no, line));
            } else if line == b"//go:binary-only-package" {
                header.binary_only = true;
            } else if !ended && memmem::find(line, b"+build").is_some() {
                plus_build.push((line_end, line));
            }
        }
        // Skip the comments on this line; stop at the first other text.
        while !line.is_empty() {
            if in_slash_star {
                match memmem::find(line, b"*/") {
                    Some(i) => {
                        in_slash_star = false;
                        line = trim_space(&line[i + 2..]);
                    }
                    None => continue 'lines,
                }
            } else if line.starts_with(b"//") {
                continue 'lines;
            } else if let Some(after) = line.strip_prefix(b"/*") {
                in_slash_star = true;
                line = trim_space(after);
            } else {
                break 'lines;
            }
        }
    }

    if let Some((line, text)) = go_build {
        header.go_build = Some(Expr::parse(&lossy(text)).map_err(|err| match err {
            ConstraintError::Syntax { offset, kind } => {
                ConstraintError::GoBuildLine { line, offset, kind }
            }
            other => other,
        })?);
    } else {
        header.plus_build = plus_build
            .into_iter()
            .take_while(|&(line_end, _)| line_end <= end)
            .filter_map(|(_, line)| {
                let text = lossy(line);
                if !constraint::is_plus_build(&text) {
                    return None;
                }
                Expr::parse(&text).ok()
            })
            .collect();
    }
    Ok(header)
}

fn lossy(line: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(line)
}

/// go/build's `isGoBuildComment`: `//go:build` followed by white space or nothing.
fn is_go_build_comment(line: &[u8]) -> bool {
    let Some(rest) = line.strip_prefix(b"//go:build") else {
        return false;
    };
    // `line` is already trimmed, so `rest` has no trailing white space.
    rest.is_empty() || trim_space(rest).len() < rest.len()
}

/// Go's `bytes.TrimSpace`: trims ASCII white space and the Unicode `White_Space` characters
/// (U+0085, U+00A0, U+1680, U+2000–U+200A, U+2028, U+2029, U+202F, U+205F, U+3000). Invalid
/// UTF-8 is not space.
fn trim_space(mut s: &[u8]) -> &[u8] {
    while let [b'\t' | b'\n' | b'\x0B' | b'\x0C' | b'\r' | b' ', rest @ ..]
    | [0xC2, 0x85 | 0xA0, rest @ ..]
    | [0xE1, 0x9A, 0x80, rest @ ..]
    | [0xE2, 0x80, 0x80..=0x8A | 0xA8 | 0xA9 | 0xAF, rest @ ..]
    | [0xE2, 0x81, 0x9F, rest @ ..]
    | [0xE3, 0x80, 0x80, rest @ ..] = s
    {
        s = rest;
    }
    while let [rest @ .., b'\t' | b'\n' | b'\x0B' | b'\x0C' | b'\r' | b' ']
    | [rest @ .., 0xC2, 0x85 | 0xA0]
    | [rest @ .., 0xE1, 0x9A, 0x80]
    | [rest @ .., 0xE2, 0x80, 0x80..=0x8A | 0xA8 | 0xA9 | 0xAF]
    | [rest @ .., 0xE2, 0x81, 0x9F]
    | [rest @ .., 0xE3, 0x80, 0x80] = s
    {
        s = rest;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Renders the header of `src` as `go:build EXPR`, `+build EXPR` lines, `binary-only`, or
    /// `none`, or `error: MESSAGE (line N)`.
    fn check(src: &str, expect: &str) {
        check_bytes(src.as_bytes(), expect);
    }

    fn check_bytes(src: &[u8], expect: &str) {
        let got = match parse_file_header(src) {
            Ok(h) => {
                let mut parts = Vec::new();
                if let Some(x) = &h.go_build {
                    parts.push(format!("go:build {x}"));
                }
                parts.extend(h.plus_build.iter().map(|x| format!("+build {x}")));
                if h.binary_only {
                    parts.push("binary-only".to_owned());
                }
                if parts.is_empty() {
                    "none".to_owned()
                } else {
                    parts.join("; ")
                }
            }
            Err(err @ ConstraintError::GoBuildLine { line, .. })
            | Err(err @ ConstraintError::MultipleGoBuild { line }) => {
                format!("error: {err} (line {line})")
            }
            Err(err) => format!("error: {err}"),
        };
        assert_eq!(got, expect, "input: {:?}", String::from_utf8_lossy(src));
    }

    #[test]
    fn go_build_lines() {
        check("//go:build linux\n\npackage p\n", "go:build linux");
        check("//go:build linux\npackage p\n", "go:build linux");
        check(
            "// Copyright\n\n//go:build linux\n// Package p\npackage p\n",
            "go:build linux",
        );
        check(
            "/* block */\n//go:build linux\npackage p\n",
            "go:build linux",
        );
        check("/* a\n//go:build linux\n*/\npackage p\n", "none");
        check("/* a */ //go:build linux\npackage p\n", "none");
        check("package p\n//go:build linux\n", "none");
        check(
            "  \t//go:build linux  \r\n\r\npackage p\r\n",
            "go:build linux",
        );
        check(
            "//go:build linux\n//go:build darwin\npackage p\n",
            "error: multiple //go:build comments (line 2)",
        );
        check(
            "//go:build linux\npackage p\n//go:build darwin\n",
            "go:build linux",
        );
        check(
            "//go:build linux &&\n\npackage p\n",
            "error: parsing //go:build line: unexpected end of expression (line 1)",
        );
        check(
            "//go:build\n\npackage p\n",
            "error: parsing //go:build line: unexpected end of expression (line 1)",
        );
        check("//go:buildx\n\npackage p\n", "none");
        check("// go:build linux\n\npackage p\n", "none");
        check(
            "//go:build ignore\n// +build linux\n\npackage p\n",
            "go:build ignore",
        );
        check("\u{FEFF}//go:build linux\npackage p\n", "go:build linux");
        check("//go:build linux", "go:build linux");
        check("", "none");
        check(
            "\u{A0}//go:build linux\u{3000}\npackage p",
            "go:build linux",
        );
    }

    #[test]
    fn plus_build_lines() {
        check("// +build linux\n\npackage p\n", "+build linux");
        check("// +build linux\npackage p\n", "none");
        check(
            "// +build linux\n// +build amd64\n\npackage p\n",
            "+build linux; +build amd64",
        );
        check(
            "// +build linux\n\n// Package p does things.\npackage p\n",
            "+build linux",
        );
        check("// Package p.\n// +build linux\npackage p\n", "none");
        check("// +build linux\r\n\r\npackage p\r\n", "+build linux");
        check("//+build linux\n\npackage p\n", "+build linux");
        check(
            "// +build linux\n\n// +build darwin\npackage p\n",
            "+build linux",
        );
        check(
            "// +build linux\n\n// +build darwin\n\npackage p\n",
            "+build linux; +build darwin",
        );
        check("/* c */\n// +build linux\n\npackage p\n", "none");
        check("// +build linux\n\n/* c */\n\npackage p\n", "+build linux");
        check("// +build linux\n/* c */\n\npackage p\n", "none");
        check("package p\n\n// +build linux\n\n", "none");
        check("// +build linux\n\n", "+build linux");
        check("// +build linux", "none");
        check("// +build linux\n   ", "+build linux");
        check("// x +build linux\n\npackage p\n", "none");
        check("// +buildlinux\n\npackage p\n", "none");
        check("// +build\n\npackage p\n", "+build ignore");
        let many = vec!["a"; 102].join(" ");
        check(
            &format!("// +build {many}\n// +build b\n\npackage p\n"),
            "+build b",
        );
        check("\u{FEFF}// +build linux\n\npackage p\n", "+build linux");
    }

    #[test]
    fn binary_only_and_bytes() {
        check("//go:binary-only-package\n\npackage p\n", "binary-only");
        check(
            "// +build linux\n//go:binary-only-package\n\npackage p\n",
            "+build linux; binary-only",
        );
        check("/*\n//go:binary-only-package\n*/\npackage p\n", "none");
        check("//go:binary-only-package x\n\npackage p\n", "none");
        check_bytes(
            b"// \xff\xfe comment\n//go:build linux\npackage p \xff\n",
            "go:build linux",
        );
        check_bytes(
            b"//go:build \xff\npackage p\n",
            "error: parsing //go:build line: invalid syntax at \u{FFFD} (line 1)",
        );
        check_bytes(b"//go:build\xff\npackage p\n", "none");
        check_bytes(b"// +build a\xc2\xa0\n\npackage p\n", "+build a");
        check_bytes(b"/* unterminated", "none");
        check_bytes(b"/* x */ /* y", "none");
    }

    #[test]
    fn should_build() {
        let h = parse_file_header(b"// +build linux darwin\n// +build amd64\n\npackage p\n");
        let h = h.unwrap_or_default();
        let mut seen = Vec::new();
        let ok = h.should_build(&mut |tag: &str| {
            seen.push(tag.to_owned());
            tag == "darwin"
        });
        assert!(!ok);
        assert_eq!(seen, ["linux", "darwin", "amd64"]);
        assert!(FileHeader::default().should_build(&mut |_| false));
    }

    #[test]
    fn trim_space_matches_go() {
        assert_eq!(trim_space(b" \t\x0B\x0Cx\r\n"), b"x");
        assert_eq!(
            trim_space(
                "\u{85}\u{A0}\u{1680}\u{2000}\u{200A}x\u{2028}\u{2029}\u{202F}\u{205F}\u{3000}"
                    .as_bytes()
            ),
            b"x"
        );
        assert_eq!(
            trim_space("\u{FEFF}x\u{200B}".as_bytes()),
            "\u{FEFF}x\u{200B}".as_bytes()
        );
        assert_eq!(trim_space(b"\xffx\xc2"), b"\xffx\xc2");
        assert_eq!(trim_space(b""), b"");
    }
}
