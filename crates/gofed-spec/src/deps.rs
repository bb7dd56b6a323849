//! Dependency lines (`Requires:`, `Provides:`, `BuildRequires:`, ...) as rpm's `parseRCPOT` reads them, and the
//! sorted, de-duplicated sets rpm keeps them in.

use std::collections::BTreeSet;
use std::fmt;

/// rpm's `rpmsenseFlags` bits, kept as rpm numbers them: a set sorts by (name, version, flags) as rpm's does.
pub mod sense {
    pub const LESS: u32 = 1 << 1;
    pub const GREATER: u32 = 1 << 2;
    pub const EQUAL: u32 = 1 << 3;
    pub const SENSE_MASK: u32 = LESS | GREATER | EQUAL;
    pub const POSTTRANS: u32 = 1 << 5;
    pub const PREREQ: u32 = 1 << 6;
    pub const PRETRANS: u32 = 1 << 7;
    pub const INTERP: u32 = 1 << 8;
    pub const SCRIPT_PRE: u32 = 1 << 9;
    pub const SCRIPT_POST: u32 = 1 << 10;
    pub const SCRIPT_PREUN: u32 = 1 << 11;
    pub const SCRIPT_POSTUN: u32 = 1 << 12;
    pub const SCRIPT_VERIFY: u32 = 1 << 13;
    pub const FIND_REQUIRES: u32 = 1 << 14;
    pub const MISSINGOK: u32 = 1 << 19;
    pub const RPMLIB: u32 = 1 << 24;
    pub const KEYRING: u32 = 1 << 26;
    pub const META: u32 = 1 << 29;
    /// What a Requires-like dependency keeps besides its comparison (rpm's `_ALL_REQUIRES_MASK`).
    pub const ALL_REQUIRES: u32 = INTERP
        | SCRIPT_PRE
        | SCRIPT_POST
        | SCRIPT_PREUN
        | SCRIPT_POSTUN
        | SCRIPT_VERIFY
        | FIND_REQUIRES
        | RPMLIB
        | KEYRING
        | PRETRANS
        | POSTTRANS
        | PREREQ
        | META
        | MISSINGOK;
}

/// The kinds of dependency a package declares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum DependencyKind {
    Requires,
    Provides,
    Conflicts,
    Obsoletes,
    Recommends,
    Suggests,
    Supplements,
    Enhances,
    OrderWithRequires,
    BuildRequires,
    BuildConflicts,
}

impl DependencyKind {
    fn allows_rich(self) -> bool {
        !matches!(
            self,
            Self::Provides | Self::Obsoletes | Self::OrderWithRequires
        )
    }

    /// The flags rpm keeps for this kind (`rpmSanitizeDSFlags`).
    fn sanitize(self, flags: u32) -> u32 {
        let extra = match self {
            Self::Requires
            | Self::BuildRequires
            | Self::Recommends
            | Self::Suggests
            | Self::Supplements
            | Self::Enhances
            | Self::OrderWithRequires => flags & sense::ALL_REQUIRES,
            Self::Conflicts | Self::BuildConflicts => flags,
            Self::Provides | Self::Obsoletes => 0,
        };
        (flags & sense::SENSE_MASK) | extra
    }
}

/// One dependency: a name (or a whole rich dependency such as `(a or b)`), an optional comparison and version,
/// and rpm's qualifier bits (`Requires(post):`, scriptlet interpreters, `rpmlib(...)`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct Dependency {
    pub name: String,
    /// Empty when unversioned (rpm stores "").
    pub version: String,
    pub flags: u32,
}

impl Dependency {
    /// The comparison, as rpm prints it: `<`, `>`, `=`, `<=`, `>=` (empty when unversioned).
    pub fn operator(&self) -> &'static str {
        match self.flags & sense::SENSE_MASK {
            x if x == sense::LESS => "<",
            x if x == sense::GREATER => ">",
            x if x == sense::EQUAL => "=",
            x if x == sense::LESS | sense::EQUAL => "<=",
            x if x == sense::GREATER | sense::EQUAL => ">=",
            _ => "",
        }
    }

    /// rpm's qualifier names for the flags (`pre`, `post`, `interp`, ...), as `Requires(...)` would be written.
    pub fn qualifiers(&self) -> Vec<&'static str> {
        const NAMES: &[(u32, &str)] = &[
            (sense::INTERP, "interp"),
            (sense::META, "meta"),
            (sense::SCRIPT_PRE, "pre"),
            (sense::SCRIPT_POST, "post"),
            (sense::SCRIPT_PREUN, "preun"),
            (sense::SCRIPT_POSTUN, "postun"),
            (sense::SCRIPT_VERIFY, "verify"),
            (sense::PRETRANS, "pretrans"),
            (sense::POSTTRANS, "posttrans"),
            (sense::RPMLIB, "rpmlib"),
            (sense::MISSINGOK, "missingok"),
        ];
        NAMES
            .iter()
            .filter(|(bit, _)| self.flags & bit != 0)
            .map(|(_, name)| *name)
            .collect()
    }
}

/// As rpm prints a dependency: `name`, or `name op version`.
impl fmt::Display for Dependency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.operator() {
            "" => f.write_str(&self.name),
            op => write!(f, "{} {} {}", self.name, op, self.version),
        }
    }
}

/// A package's dependencies of one kind, sorted and de-duplicated as rpm's `rpmdsMerge` keeps them.
pub(crate) type DependencySet = BTreeSet<Dependency>;

/// rpm's `rpmParseDSFlags`: a comparison operator word.
fn parse_operator(word: &str) -> Option<u32> {
    Some(match word {
        "<" => sense::LESS,
        ">" => sense::GREATER,
        "=" | "==" => sense::EQUAL,
        "<=" | "=<" => sense::LESS | sense::EQUAL,
        ">=" | "=>" => sense::GREATER | sense::EQUAL,
        _ => return None,
    })
}

fn is_separator(c: char) -> bool {
    c.is_whitespace() || c == ','
}

/// Parses a dependency field (`a, b >= 1.0 (c or d)`), adding each to `set`. `qualifiers` are the bits of
/// `Requires(...)`. The error is rpm's message.
pub(crate) fn parse_field(
    field: &str,
    kind: DependencyKind,
    qualifiers: u32,
    set: &mut DependencySet,
) -> Result<(), String> {
    let mut rest = field;
    loop {
        rest = rest.trim_start_matches(is_separator);
        if rest.is_empty() {
            return Ok(());
        }
        if rest.starts_with('(') {
            if !kind.allows_rich() {
                return Err("No rich dependencies allowed for this type".to_string());
            }
            let (normalized, after) = parse_rich(rest, 0)?;
            set.insert(Dependency {
                name: normalized,
                version: String::new(),
                flags: kind.sanitize(qualifiers),
            });
            rest = after;
            continue;
        }
        let end = rest.find(is_separator).unwrap_or(rest.len());
        let name = &rest[..end];
        rest = &rest[end..];
        let after_name = rest.trim_start_matches(is_separator);
        let word_end = after_name.find(is_separator).unwrap_or(after_name.len());
        let mut flags = qualifiers;
        let mut version = "";
        if let Some(op) = parse_operator(&after_name[..word_end]) {
            flags |= op;
            let after_op = after_name[word_end..].trim_start_matches(is_separator);
            let version_end = after_op.find(is_separator).unwrap_or(after_op.len());
            if version_end == 0 {
                return Err("Version required".to_string());
            }
            version = &after_op[..version_end];
            rest = &after_op[version_end..];
        }
        check_dependency(name, (!version.is_empty()).then_some(version), kind)?;
        set.insert(Dependency {
            name: name.to_string(),
            version: version.to_string(),
            flags: kind.sanitize(flags),
        });
    }
}

/// rpm's `checkDep` (and the Obsoletes name check).
fn check_dependency(name: &str, version: Option<&str>, kind: DependencyKind) -> Result<(), String> {
    if let Some(first) = name.chars().next() {
        if first.is_ascii() && !(first.is_ascii_alphanumeric() || first == '_' || first == '/') {
            return Err("Dependency tokens must begin with alpha-numeric, '_' or '/'".to_string());
        }
    }
    if let Some(version) = version {
        if name.starts_with('/') {
            return Err("Versioned file name not permitted".to_string());
        }
        if let Some(c) = version
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || "._+%{}~^:-".contains(*c)))
        {
            return Err(format!("Illegal char '{c}' in: {version}"));
        }
    }
    if kind == DependencyKind::Obsoletes
        && name
            .chars()
            .any(|c| !(c.is_ascii_alphanumeric() || ".-_+%{}".contains(c)))
    {
        return Err("Only package names are allowed in Obsoletes".to_string());
    }
    Ok(())
}

const RICH_OPERATORS: &[&str] = &["and", "or", "if", "unless", "else", "with", "without"];
/// Nesting allowed in a rich dependency.
const MAX_RICH_DEPTH: usize = 64;

/// A rich dependency starting at `(`, normalised as rpm writes it back (`(a >= 1 or (b and c))`), and the rest of
/// the field after it.
fn parse_rich(text: &str, depth: usize) -> Result<(String, &str), String> {
    if depth > MAX_RICH_DEPTH {
        return Err("Rich dependency nested too deeply".to_string());
    }
    let mut rest = text
        .strip_prefix('(')
        .ok_or("Missing argument to rich dependency op")?;
    let mut out = String::from("(");
    let mut expect_operand = true;
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            return Err("Unterminated rich dependency".to_string());
        }
        if expect_operand {
            if rest.starts_with('(') {
                let (nested, after) = parse_rich(rest, depth + 1)?;
                out.push_str(&nested);
                rest = after;
            } else if rest.starts_with(')') {
                return Err("Missing argument to rich dependency op".to_string());
            } else {
                let end = simple_name_end(rest);
                let name = &rest[..end];
                out.push_str(name);
                rest = rest[end..].trim_start();
                let word_end = rest
                    .find(|c: char| c.is_whitespace() || c == ')')
                    .unwrap_or(rest.len());
                if let Some(op) = parse_operator(&rest[..word_end]) {
                    let after_op = rest[word_end..].trim_start();
                    let version_end = after_op
                        .find(|c: char| c.is_whitespace() || c == ')')
                        .unwrap_or(after_op.len());
                    if version_end == 0 {
                        return Err("Version required".to_string());
                    }
                    let version = &after_op[..version_end];
                    let shown = Dependency {
                        name: String::new(),
                        version: String::new(),
                        flags: op,
                    }
                    .operator();
                    out.push_str(&format!(" {shown} {version}"));
                    check_dependency(name, Some(version), DependencyKind::Requires)?;
                    rest = &after_op[version_end..];
                } else {
                    check_dependency(name, None, DependencyKind::Requires)?;
                }
            }
            expect_operand = false;
        } else if let Some(after) = rest.strip_prefix(')') {
            out.push(')');
            return Ok((out, after));
        } else {
            let word_end = rest
                .find(|c: char| c.is_whitespace() || c == '(' || c == ')')
                .unwrap_or(rest.len());
            let word = &rest[..word_end];
            if !RICH_OPERATORS.contains(&word) {
                return Err(format!("Unknown rich dependency op '{word}'"));
            }
            out.push_str(&format!(" {word} "));
            rest = &rest[word_end..];
            expect_operand = true;
        }
    }
}

/// Where a name inside a rich dependency ends: at a blank, or at a `)` that closes nothing opened in the name
/// (`golang(example.com/x)` is one name).
fn simple_name_end(text: &str) -> usize {
    let mut open = 0usize;
    for (i, c) in text.char_indices() {
        match c {
            '(' => open += 1,
            ')' if open == 0 => return i,
            ')' => open -= 1,
            c if c.is_whitespace() => return i,
            _ => {}
        }
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(field: &str, kind: DependencyKind) -> Result<Vec<String>, String> {
        let mut set = DependencySet::new();
        parse_field(field, kind, 0, &mut set)?;
        Ok(set.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn lists_with_versions_commas_and_rich_dependencies() {
        assert_eq!(
            parse(
                "b >= 1.0, a (c or d >= 2) golang(x/y) = 3",
                DependencyKind::Requires
            )
            .unwrap(),
            ["(c or d >= 2)", "a", "b >= 1.0", "golang(x/y) = 3"]
        );
        assert_eq!(
            parse("a =< 1 a <= 1", DependencyKind::Requires).unwrap(),
            ["a <= 1"]
        );
    }

    #[test]
    fn refuses_what_rpm_refuses() {
        assert!(parse("(a or b)", DependencyKind::Provides).is_err());
        assert!(parse("a >=", DependencyKind::Requires).is_err());
        assert!(parse("-a", DependencyKind::Requires).is_err());
        assert!(parse("(a or", DependencyKind::Requires).is_err());
        assert!(parse("(a xor b)", DependencyKind::Requires).is_err());
        assert!(parse(&"(".repeat(10_000), DependencyKind::Requires).is_err());
    }
}
