//! Vanity import paths: the repository root an import path of an unknown host names, as its `go-import` meta tag
//! tells (`<meta name="go-import" content="PREFIX VCS REPO-URL">` in the page at `https://PATH?go-get=1`). The
//! page is the caller's to fetch; this module reads it as the go command does (`cmd/go/internal/vcs`:
//! `parseMetaGoImports` and `matchGoImport`), `mod` entries left aside, since they name a module proxy, not a
//! repository.

/// One `go-import` meta tag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GoImport {
    /// The import path prefix the repository holds: the repository root.
    pub prefix: String,
    /// The version control system (`git`, `hg`, `svn`, `bzr`, `fossil`).
    pub vcs: String,
    /// The repository's URL.
    pub repo_url: String,
}

/// Why a page gives no repository root for an import path.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GoImportError {
    /// No tag's prefix is a prefix of the import path.
    #[error("no go-import meta tag of the page matches {import_path} (prefixes: {prefixes})")]
    NoMatch {
        /// The import path.
        import_path: String,
        /// The prefixes the page gives, comma-separated (or `none`).
        prefixes: String,
    },
    /// Several tags match: the go command refuses the page.
    #[error("multiple go-import meta tags match {import_path}")]
    Multiple {
        /// The import path.
        import_path: String,
    },
}

/// The `go-import` tags of an HTML page, in order: the `<meta>` elements before `<body>` or `</head>` whose
/// `name` is `go-import` and whose `content` has three or four fields.
pub fn parse_go_imports(html: &[u8]) -> Vec<GoImport> {
    let text = String::from_utf8_lossy(html);
    let mut imports = Vec::new();
    let mut rest: &str = &text;
    while let Some(open) = rest.find('<') {
        rest = &rest[open + 1..];
        if let Some(comment) = rest.strip_prefix("!--") {
            rest = comment.find("-->").map_or("", |end| &comment[end + 3..]);
            continue;
        }
        let Some(close) = tag_end(rest) else {
            break;
        };
        let tag = &rest[..close];
        rest = &rest[close + 1..];
        let name_end = tag
            .find(|c: char| c.is_whitespace() || c == '/')
            .unwrap_or(tag.len());
        let name = &tag[..name_end];
        if name.eq_ignore_ascii_case("body") || name.eq_ignore_ascii_case("/head") {
            break;
        }
        if !name.eq_ignore_ascii_case("meta") {
            continue;
        }
        let attrs = attributes(&tag[name_end..]);
        let value = |key: &str| {
            attrs
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v.as_str())
        };
        if value("name") != Some("go-import") {
            continue;
        }
        let fields: Vec<&str> = value("content")
            .unwrap_or_default()
            .split_whitespace()
            .collect();
        if let [prefix, vcs, repo_url, ..] = fields[..] {
            if fields.len() <= 4 && vcs != "mod" {
                imports.push(GoImport {
                    prefix: prefix.to_owned(),
                    vcs: vcs.to_owned(),
                    repo_url: repo_url.to_owned(),
                });
            }
        }
    }
    imports
}

/// The tag whose prefix holds `import_path` (a path prefix: whole elements); an error when none or several do.
pub fn match_go_import<'a>(
    imports: &'a [GoImport],
    import_path: &str,
) -> Result<&'a GoImport, GoImportError> {
    let mut matching = imports
        .iter()
        .filter(|i| has_path_prefix(import_path, &i.prefix));
    match (matching.next(), matching.next()) {
        (Some(found), None) => Ok(found),
        (Some(_), Some(_)) => Err(GoImportError::Multiple {
            import_path: import_path.to_owned(),
        }),
        (None, _) => {
            let prefixes: Vec<&str> = imports.iter().map(|i| i.prefix.as_str()).collect();
            Err(GoImportError::NoMatch {
                import_path: import_path.to_owned(),
                prefixes: if prefixes.is_empty() {
                    "none".to_owned()
                } else {
                    prefixes.join(", ")
                },
            })
        }
    }
}

/// Whether `prefix` is `path` or a leading run of its `/`-separated elements.
pub fn has_path_prefix(path: &str, prefix: &str) -> bool {
    path == prefix
        || (path.starts_with(prefix)
            && (prefix.ends_with('/') || path.as_bytes().get(prefix.len()) == Some(&b'/')))
}

/// Where a tag ends: the first `>` outside quotes.
fn tag_end(s: &str) -> Option<usize> {
    let mut quote = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return Some(i),
            _ => {}
        }
    }
    None
}

/// A tag's attributes: `key="value"`, `key='value'`, `key=value` or a bare `key`, entities decoded.
fn attributes(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = s.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
    while !rest.is_empty() {
        let key_end = rest
            .find(|c: char| c.is_whitespace() || c == '=' || c == '/')
            .unwrap_or(rest.len());
        let key = &rest[..key_end];
        rest = rest[key_end..].trim_start();
        let mut value = String::new();
        if let Some(after) = rest.strip_prefix('=') {
            let after = after.trim_start();
            let (raw, next) = match after.chars().next() {
                Some(q @ ('"' | '\'')) => match after[1..].find(q) {
                    Some(end) => (&after[1..1 + end], &after[end + 2..]),
                    None => (&after[1..], ""),
                },
                _ => {
                    let end = after.find(char::is_whitespace).unwrap_or(after.len());
                    (&after[..end], &after[end..])
                }
            };
            value = decode_entities(raw);
            rest = next;
        }
        if !key.is_empty() {
            out.push((key.to_owned(), value));
        }
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
        if key.is_empty() && !rest.is_empty() {
            // A stray character: skip it rather than loop.
            rest = &rest[rest.chars().next().map_or(0, char::len_utf8)..];
        }
    }
    out
}

fn decode_entities(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_as_the_go_command_reads_them() {
        let page = br#"<!DOCTYPE html>
<html><head>
<!-- <meta name="go-import" content="commented.out/x git https://x"> -->
<meta name="go-import" content="go.uber.org/zap git https://github.com/uber-go/zap">
<META NAME='go-import' CONTENT='go.uber.org/zap mod https://proxy.example'>
<meta name="go-source" content="go.uber.org/zap https://github.com/uber-go/zap x y">
<meta name=go-import content="go.uber.org/other git https://github.com/uber-go/other extra/sub">
</head><body>
<meta name="go-import" content="after.body/x git https://x">
</body></html>"#;
        let imports = parse_go_imports(page);
        assert_eq!(
            imports,
            [
                GoImport {
                    prefix: "go.uber.org/zap".into(),
                    vcs: "git".into(),
                    repo_url: "https://github.com/uber-go/zap".into()
                },
                GoImport {
                    prefix: "go.uber.org/other".into(),
                    vcs: "git".into(),
                    repo_url: "https://github.com/uber-go/other".into()
                },
            ]
        );
        assert_eq!(
            match_go_import(&imports, "go.uber.org/zap/zapcore").map(|i| i.prefix.as_str()),
            Ok("go.uber.org/zap")
        );
        assert!(matches!(
            match_go_import(&imports, "go.uber.org/zapx"),
            Err(GoImportError::NoMatch { .. })
        ));
        let twice = [imports[0].clone(), imports[0].clone()];
        assert!(matches!(
            match_go_import(&twice, "go.uber.org/zap"),
            Err(GoImportError::Multiple { .. })
        ));
    }

    #[test]
    fn hostile_pages_give_no_tags_and_no_panic() {
        for page in [
            &b""[..],
            b"<",
            b"<meta",
            b"<meta name=\"go-import",
            b"<meta name='go-import' content='a b'>",
            b"<meta name='go-import' content='a b c d e'>",
            b"\xff\xfe<meta name=go-import content=\"a git b\"",
            b"<<<>>>=\"'",
        ] {
            let imports = parse_go_imports(page);
            assert!(imports.is_empty(), "{page:?}: {imports:?}");
        }
        let big = "<meta name=x>".repeat(100_000);
        assert!(parse_go_imports(big.as_bytes()).is_empty());
    }
}
