//! A source RPM: the spec, the patches and the upstream archive(s). The archive `Source0` names is read and
//! entered as `%setup` would.
//!
//! The header is the ground truth for name, version and release and for the list of sources (rpmbuild stores
//! their file names, in the reverse order of the spec). The spec says which one is `Source0` and what `%prep`
//! enters; its macros are expanded as far as this module knows them (`%{name}`, `%{version}`, `%{release}`,
//! `%global`/`%define`, `%{goipath}`, `%{goname}`, `%{gourl}`, `%{forgeurl}`, `%{gosource}`/`%{forgesource}` for
//! a version tag, `%{?x}`, `%{!?x:y}`), and what stays unexpanded matches any text when compared with the
//! header's source names and the archive's directories.

use super::cpio::Payload;
use super::header::Header;
use crate::{Artifact, ArtifactError, File, Limits, Warning};
use std::collections::HashMap;

/// How deep macros may nest before expansion stops (rpm's own limit is 64; real specs need a few).
const MAX_DEPTH: usize = 16;
/// Longest expansion kept: a macro bomb stops here.
const MAX_EXPANSION: usize = 64 << 10;

/// Reads the source RPM `input` whose header and payload are given.
pub(super) fn read(
    input: &str,
    header: &Header,
    payload: Payload,
    limits: &Limits,
) -> Result<Artifact, ArtifactError> {
    let unusable = |what: String| ArtifactError::Unusable {
        input: input.to_owned(),
        what,
    };
    let spec_name = format!("{}.spec", header.name);
    let spec = payload
        .files
        .iter()
        .find(|f| f.path == spec_name)
        .or_else(|| payload.files.iter().find(|f| f.path.ends_with(".spec")))
        .ok_or_else(|| unusable("the source RPM holds no spec file".to_owned()))?;
    let spec = Spec::parse(&String::from_utf8_lossy(&spec.data), header);
    let source0 = spec.source0(header, &payload.files).map_err(unusable)?;
    let archive_file = payload
        .files
        .iter()
        .find(|f| f.path == source0)
        .ok_or_else(|| {
            unusable(format!(
                "Source0 {source0} is not in the source RPM (it holds {})",
                names(&payload.files)
            ))
        })?;
    let archive = crate::open(&format!("{input}: {source0}"), &archive_file.data, limits)?;
    let mut warnings = payload.warnings;
    let root = spec.setup_dir(&archive.files, input, &source0, &mut warnings);
    warnings.extend(archive.warnings);
    Ok(Artifact {
        files: archive.files,
        root,
        import_path: archive.import_path,
        package: Some(header.name.clone()),
        source_rpm: Some(format!(
            "{}-{}-{}.src.rpm",
            header.name, header.version, header.release
        )),
        version: Some(header.version.clone()),
        release: Some(header.release.clone()),
        others: payload
            .files
            .iter()
            .filter(|f| f.path != source0)
            .map(|f| f.path.clone())
            .collect(),
        warnings,
        ..Artifact::default()
    })
}

fn names(files: &[File]) -> String {
    if files.is_empty() {
        return "no files".to_owned();
    }
    files
        .iter()
        .map(|f| f.path.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a spec says about its sources and `%prep`.
pub(crate) struct Spec {
    macros: Macros,
    /// The `SourceN:`/`Source:` values in the spec's order, with their number (`Source:` is 0).
    sources: Vec<(u32, String)>,
    /// The first `%setup`-like line of `%prep` that unpacks the default source.
    setup: Option<String>,
}

impl Spec {
    /// Reads `text`; the header's name, version and release win over the spec's.
    pub(crate) fn parse(text: &str, header: &Header) -> Spec {
        let mut macros = Macros::default();
        let mut sources = Vec::new();
        let mut setup = None;
        let mut in_prep = false;
        for line in text.lines() {
            let line = line.trim();
            if let Some(rest) = line
                .strip_prefix("%global")
                .or_else(|| line.strip_prefix("%define"))
            {
                if rest.starts_with(char::is_whitespace) {
                    let mut parts = rest.trim().splitn(2, char::is_whitespace);
                    if let (Some(name), Some(body)) = (parts.next(), parts.next()) {
                        macros.define(name, body.trim().trim_end_matches('\\').trim());
                    }
                }
                continue;
            }
            if line.starts_with('%') {
                let word = line.split_whitespace().next().unwrap_or_default();
                if matches!(
                    word,
                    "%build"
                        | "%install"
                        | "%check"
                        | "%files"
                        | "%changelog"
                        | "%description"
                        | "%package"
                        | "%conf"
                        | "%generate_buildrequires"
                ) {
                    in_prep = false;
                } else if word == "%prep" {
                    in_prep = true;
                } else if in_prep
                    && setup.is_none()
                    && matches!(
                        word,
                        "%setup"
                            | "%autosetup"
                            | "%forgesetup"
                            | "%forgeautosetup"
                            | "%goprep"
                            | "%gosetup"
                    )
                    // `-T`: the default source is not unpacked by this line.
                    && !line.split_whitespace().any(|arg| arg == "-T")
                {
                    setup = Some(line.to_owned());
                }
                continue;
            }
            let Some((tag, value)) = line.split_once(':') else {
                continue;
            };
            let tag = tag.trim().to_ascii_lowercase();
            let value = value.trim();
            if let Some(number) = tag.strip_prefix("source") {
                let number = if number.is_empty() {
                    Some(0)
                } else {
                    number.parse().ok()
                };
                if let Some(number) = number {
                    sources.push((number, value.to_owned()));
                }
            } else if tag == "url" {
                macros.define("url", value);
            }
        }
        macros.define("name", &header.name);
        macros.define("version", &header.version);
        macros.define("release", &header.release);
        macros.define_go_defaults();
        Spec {
            macros,
            sources,
            setup,
        }
    }

    /// The file name of `Source0`, among the header's sources when it has them.
    pub(crate) fn source0(&self, header: &Header, files: &[File]) -> Result<String, String> {
        let in_payload = |name: &str| files.iter().any(|f| f.path == name);
        // The header's sources that are in the package (a NoSource is not).
        let listed: Vec<String> = header
            .sources
            .iter()
            .map(|s| basename(s).to_owned())
            .filter(|s| in_payload(s))
            .collect();
        let declared = self.sources.iter().position(|(n, _)| *n == 0);
        // A name expanded in full that is not in the package: a NoSource, or an expansion that guessed wrong
        // (the forge macros' archive names vary by forge): the header decides if it can.
        let mut expanded_name = None;
        if let Some(index) = declared {
            let expanded = self.macros.expand(&self.sources[index].1);
            let name = basename(&expanded);
            if !name.contains('%') && !name.is_empty() {
                if in_payload(name) {
                    return Ok(name.to_owned());
                }
                expanded_name = Some(name.to_owned());
            } else {
                let matching: Vec<&String> = listed
                    .iter()
                    .filter(|s| glob_match(&unexpanded_as_glob(name), s))
                    .collect();
                if let [only] = matching.as_slice() {
                    return Ok((*only).clone());
                }
            }
            // rpmbuild lists the sources in the reverse order of the spec.
            if listed.len() == self.sources.len() && listed.len() == header.sources.len() {
                return Ok(listed[listed.len() - 1 - index].clone());
            }
        }
        match (listed.as_slice(), expanded_name) {
            (_, Some(name)) if header.sources.iter().any(|s| basename(s) == name) => Ok(name),
            ([only], _) => Ok(only.clone()),
            (_, Some(name)) => Ok(name),
            _ if declared.is_none() => Err("its spec declares no Source0".to_owned()),
            _ => Err(format!(
                "cannot tell which of its sources is Source0 ({})",
                listed.join(", ")
            )),
        }
    }

    /// The directory of the unpacked archive that `%prep` enters: `-n DIR` of `%setup`/`%autosetup`, else
    /// `%{name}-%{version}`; the forge and Go macros (`%goprep`, `%forgesetup`) name it after the archive's own top
    /// directory. When the spec's directory is not in the archive, the archive's single top directory is taken,
    /// with a warning.
    pub(crate) fn setup_dir(
        &self,
        files: &[File],
        input: &str,
        source0: &str,
        warnings: &mut Vec<Warning>,
    ) -> String {
        let args: Vec<&str> = self
            .setup
            .as_deref()
            .map(|line| line.split_whitespace().collect())
            .unwrap_or_default();
        let forge = matches!(
            args.first().copied(),
            Some("%goprep" | "%gosetup" | "%forgesetup" | "%forgeautosetup")
        );
        // `-c`: the directory is created and the archive unpacked inside it.
        if !forge && args.contains(&"-c") {
            return String::new();
        }
        let mut tops: Vec<&str> = files
            .iter()
            .map(|f| f.path.split_once('/').map_or("", |(top, _)| top))
            .collect();
        tops.dedup();
        tops.sort_unstable();
        tops.dedup();
        let single_top = match tops.as_slice() {
            [top] if !top.is_empty() => Some((*top).to_owned()),
            _ => None,
        };
        if forge {
            return single_top.unwrap_or_default();
        }
        let wanted = args
            .iter()
            .position(|arg| *arg == "-n")
            .and_then(|i| args.get(i + 1))
            .map_or_else(
                || format!("{}-{}", self.macros.get("name"), self.macros.get("version")),
                |dir| {
                    self.macros
                        .expand(dir.trim_matches(|c| c == '"' || c == '\''))
                },
            );
        let pattern = unexpanded_as_glob(&wanted);
        let matching: Vec<&&str> = tops
            .iter()
            .filter(|top| glob_match(&pattern, top))
            .collect();
        if let [only] = matching.as_slice() {
            return (**only).to_owned();
        }
        let fallback = single_top.unwrap_or_default();
        warnings.push(Warning {
            input: input.to_owned(),
            entry: source0.to_owned(),
            reason: format!(
                "%prep enters {wanted}, which the archive does not hold; analysing {}",
                if fallback.is_empty() {
                    "its top"
                } else {
                    &fallback
                }
            ),
        });
        fallback
    }
}

/// A source's file name: after `#/` (a URL renamed for the download), else after the last `/`.
fn basename(source: &str) -> &str {
    if let Some((_, name)) = source.rsplit_once("#/") {
        return name;
    }
    source.rsplit_once('/').map_or(source, |(_, name)| name)
}

/// `text` with every macro left unexpanded (`%{...}`, `%name`) turned into `*`.
fn unexpanded_as_glob(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.peek() {
            Some('{') => {
                let mut depth = 0;
                for c in chars.by_ref() {
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => {
                while chars
                    .peek()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_')
                {
                    chars.next();
                }
            }
        }
        if !out.ends_with('*') {
            out.push('*');
        }
    }
    out
}

/// Whether `text` matches `pattern`, where `*` stands for any text.
fn glob_match(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let (first, rest) = match parts.split_first() {
        Some(split) => split,
        None => return text.is_empty(),
    };
    let Some(mut remaining) = text.strip_prefix(first) else {
        return false;
    };
    let Some((last, middle)) = rest.split_last() else {
        return remaining.is_empty();
    };
    for part in middle {
        match remaining.find(part) {
            Some(at) => remaining = &remaining[at + part.len()..],
            None => return false,
        }
    }
    remaining.len() >= last.len() && remaining.ends_with(last)
}

/// The spec's macros, expanded on use.
#[derive(Default)]
struct Macros {
    defined: HashMap<String, String>,
}

impl Macros {
    fn define(&mut self, name: &str, body: &str) {
        self.defined.insert(name.to_owned(), body.to_owned());
    }

    fn get(&self, name: &str) -> String {
        self.defined
            .get(name)
            .map(|body| self.expand(body))
            .unwrap_or_default()
    }

    /// What go-rpm-macros' `%gometa` and the forge macros define, where the spec did not: `%{forgeurl}` is
    /// `https://%{goipath}`, `%{gourl}` the forge URL, `%{goname}` the package name (the header's), and the
    /// source URL of a release tagged `v%{version}` (with `%{commit}` or `%{tag}` the archive name depends on
    /// the forge: left unexpanded, the header's source names decide).
    fn define_go_defaults(&mut self) {
        if !self.defined.contains_key("forgeurl") && self.defined.contains_key("goipath") {
            self.define("forgeurl", "https://%{goipath}");
        }
        for (name, body) in [("gourl", "%{forgeurl}"), ("goname", "%{name}")] {
            if !self.defined.contains_key(name) {
                self.define(name, body);
            }
        }
        let tagged = self.defined.contains_key("commit") || self.defined.contains_key("tag");
        if !tagged && !self.defined.contains_key("forgesource") {
            let forgeurl = self.get("forgeurl");
            let repo = forgeurl
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or_default();
            if !repo.is_empty() {
                let source =
                    format!("%{{forgeurl}}/archive/v%{{version}}/{repo}-%{{version}}.tar.gz");
                self.define("forgesource", &source);
            }
        }
        if !self.defined.contains_key("gosource") && self.defined.contains_key("forgesource") {
            self.define("gosource", "%{forgesource}");
        }
    }

    /// `text` with the macros this module knows expanded; unknown ones are kept as written.
    fn expand(&self, text: &str) -> String {
        let mut out = String::new();
        self.expand_into(text, 0, &mut out);
        out
    }

    fn expand_into(&self, text: &str, depth: usize, out: &mut String) {
        let mut rest = text;
        while let Some(at) = rest.find('%') {
            if out.len() > MAX_EXPANSION {
                return;
            }
            out.push_str(&rest[..at]);
            rest = &rest[at..];
            let after = &rest[1..];
            if let Some(tail) = after.strip_prefix('%') {
                out.push('%');
                rest = tail;
            } else if after.starts_with('{') {
                let Some(end) = matching_brace(after) else {
                    out.push_str(rest);
                    return;
                };
                let inner = &after[1..end];
                let whole = &rest[..end + 2];
                rest = &after[end + 1..];
                self.expand_braced(inner, whole, depth, out);
            } else {
                let len = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                let name = &after[..len];
                match self.defined.get(name) {
                    Some(body) if depth < MAX_DEPTH && !name.is_empty() => {
                        self.expand_into(body, depth + 1, out);
                    }
                    _ => out.push_str(&rest[..len + 1]),
                }
                rest = &after[len..];
            }
        }
        out.push_str(rest);
    }

    /// `%{inner}`, written `whole` in the text.
    fn expand_braced(&self, inner: &str, whole: &str, depth: usize, out: &mut String) {
        if depth >= MAX_DEPTH {
            out.push_str(whole);
            return;
        }
        let (negated, conditional, body) = if let Some(body) = inner.strip_prefix("!?") {
            (true, true, body)
        } else if let Some(body) = inner.strip_prefix("?!") {
            (true, true, body)
        } else if let Some(body) = inner.strip_prefix('?') {
            (false, true, body)
        } else {
            (false, false, inner)
        };
        let (name, alternative) = match body.split_once(':') {
            Some((name, alternative)) => (name, Some(alternative)),
            None => (body, None),
        };
        let defined = self.defined.get(name);
        if conditional {
            match (defined.is_some() != negated, alternative, defined) {
                (true, Some(alternative), _) => self.expand_into(alternative, depth + 1, out),
                (true, None, Some(body)) => self.expand_into(body, depth + 1, out),
                _ => {}
            }
            return;
        }
        match (name, alternative, defined) {
            ("expand", Some(text), _) => self.expand_into(text, depth + 1, out),
            (_, None, Some(body)) => self.expand_into(body, depth + 1, out),
            _ => out.push_str(whole),
        }
    }
}

/// The index of the `}` closing the `{` that `text` starts with.
fn matching_brace(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(sources: &[&str]) -> Header {
        Header {
            name: "golang-github-example-foo".to_owned(),
            version: "1.2.3".to_owned(),
            release: "4.fc42".to_owned(),
            source_rpm: String::new(),
            sources: sources.iter().map(|s| (*s).to_owned()).collect(),
            payload_offset: 0,
        }
    }

    use crate::tests::files;

    #[test]
    fn expands_the_macros_specs_use() {
        let spec = Spec::parse(
            "%global goipath github.com/example/foo\n%global extra %{?missing}x%{!?missing:y}%%\n\
             Name: %{goname}\nSource0: %{gosource}\n%prep\n%goprep\n",
            &header(&[]),
        );
        assert_eq!(
            spec.macros.expand("%{gosource}"),
            "https://github.com/example/foo/archive/v1.2.3/foo-1.2.3.tar.gz"
        );
        assert_eq!(spec.macros.expand("%{extra}"), "xy%");
        assert_eq!(
            spec.macros.expand("%name-%{unknown}"),
            "golang-github-example-foo-%{unknown}"
        );
        // A macro that refers to itself stops at the depth limit instead of looping.
        let mut looping = Macros::default();
        looping.define("a", "%{a}%{a}");
        assert!(looping.expand("%{a}").len() <= MAX_EXPANSION * 2);
    }

    #[test]
    fn source0_comes_from_the_spec_or_the_header() {
        let payload = files(&["foo-abc.tar.gz", "foo.spec", "vendor.tar.bz2"]);
        // A commit-based gosource is not expanded here: the header's names decide.
        let spec = Spec::parse(
            "%global goipath github.com/example/foo\n%global commit abc\nSource0: %{gosource}\n\
             Source1: vendor.tar.bz2\n",
            &header(&[]),
        );
        let listed = header(&["vendor.tar.bz2", "foo-abc.tar.gz"]);
        assert_eq!(
            spec.source0(&listed, &payload).as_deref(),
            Ok("foo-abc.tar.gz")
        );
        let plain = Spec::parse(
            "Source: https://x.org/%{name}-%{version}.tgz#/named.tgz\n",
            &listed,
        );
        assert_eq!(plain.source0(&listed, &payload).as_deref(), Ok("named.tgz"));
        // A version-tagged gosource is expanded here; when the forge named its archive otherwise, the header's
        // single source wins over the guess.
        let guessed = Spec::parse(
            "%global goipath github.com/example/foo\nSource0: %{gosource}\n",
            &header(&[]),
        );
        let renamed = header(&["foo-v1.2.3.tar.gz"]);
        let renamed_payload = files(&["foo-v1.2.3.tar.gz", "foo.spec"]);
        assert_eq!(
            guessed.source0(&renamed, &renamed_payload).as_deref(),
            Ok("foo-v1.2.3.tar.gz")
        );
        // NoSource: in the header, not in the package: named, so that the error can say what is missing.
        let nosource = header(&["foo-1.2.3.tar.gz"]);
        assert_eq!(
            guessed.source0(&nosource, &files(&["foo.spec"])).as_deref(),
            Ok("foo-1.2.3.tar.gz")
        );
        let none = Spec::parse("Source1: vendor.tar.bz2\n", &listed);
        assert!(none.source0(&listed, &payload).is_err());
    }

    #[test]
    fn setup_dir_follows_prep() {
        let archive = files(&["foo-1.2.3/a.go", "foo-1.2.3/b/c.go"]);
        let h = header(&[]);
        let mut warnings = Vec::new();
        let named = Spec::parse("%prep\n%autosetup -p1 -n foo-%{version}\n", &h);
        assert_eq!(
            named.setup_dir(&archive, "in", "a.tgz", &mut warnings),
            "foo-1.2.3"
        );
        let forge = Spec::parse("%prep\n%goprep -A\n", &h);
        assert_eq!(
            forge.setup_dir(&archive, "in", "a.tgz", &mut warnings),
            "foo-1.2.3"
        );
        let created = Spec::parse("%prep\n%setup -q -c\n", &h);
        assert_eq!(
            created.setup_dir(&archive, "in", "a.tgz", &mut warnings),
            ""
        );
        assert!(warnings.is_empty());
        // %setup without -n enters %{name}-%{version}; not in this archive: its top, with a warning.
        let default = Spec::parse("%prep\n%setup -q\n", &h);
        assert_eq!(
            default.setup_dir(&archive, "in", "a.tgz", &mut warnings),
            "foo-1.2.3"
        );
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0]
            .reason
            .contains("golang-github-example-foo-1.2.3"));
    }

    #[test]
    fn globs() {
        assert!(glob_match("foo-*.tar.gz", "foo-abc.tar.gz"));
        assert!(!glob_match("foo-*.tar.gz", "foo-abc.tar.xz"));
        assert!(glob_match("*", "x"));
        assert!(glob_match("a*b*c", "abc"));
        assert!(!glob_match("ab*ba", "aba"));
        assert_eq!(unexpanded_as_glob("%{repo}-%{commit}.tar.gz"), "*-*.tar.gz");
    }
}
