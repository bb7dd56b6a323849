//! The spec grammar: rpm 4.18's line reader (`readLine`: logical lines, expansion, conditionals) and its parts
//! (the preamble of each package, `%description`, `%files`, scriptlets, build sections, `%changelog`).

use std::collections::{HashMap, VecDeque};

use crate::deps::{self, sense, Dependency, DependencyKind, DependencySet};
use crate::macros::{Macros, LEVEL_SPEC};
use crate::{expr, platform, Diagnostic, Options, Package, SourceFile, SourcePackage, Spec};

/// Largest spec read (rpm has no limit; a spec of this size is not a spec).
pub const MAX_SPEC_BYTES: usize = 64 << 20;

/// Reads a spec with explicit [`Options`].
pub fn parse_with(name: &str, text: &[u8], options: &Options) -> Spec {
    if text.len() > MAX_SPEC_BYTES {
        return Spec {
            diagnostics: vec![Diagnostic::error(
                0,
                format!(
                    "{name}: {} bytes is larger than the {MAX_SPEC_BYTES} bytes a spec may have",
                    text.len()
                ),
            )],
            ..Spec::default()
        };
    }
    let text = String::from_utf8_lossy(text);
    let first = Parser::new(&text, options, None).run();
    // rpm parses again for the main package's BuildArch (rpmspec shows that second parse).
    match first.build_arch.first() {
        Some(arch) => Parser::new(&text, options, Some(arch.clone()))
            .run()
            .into_spec(),
        None => first.into_spec(),
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Part {
    None,
    Preamble,
    Prep,
    GenerateBuildRequires,
    Conf,
    Build,
    Install,
    Check,
    Clean,
    Script(Script),
    Files,
    Changelog,
    Description,
    Policies,
    Empty,
    PatchList,
    SourceList,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Script {
    Pre,
    Post,
    Preun,
    Postun,
    Pretrans,
    Posttrans,
    Verify,
    Trigger,
    FileTrigger,
}

const PARTS: &[(&str, Part)] = &[
    ("%package", Part::Preamble),
    ("%prep", Part::Prep),
    ("%generate_buildrequires", Part::GenerateBuildRequires),
    ("%conf", Part::Conf),
    ("%build", Part::Build),
    ("%install", Part::Install),
    ("%check", Part::Check),
    ("%clean", Part::Clean),
    ("%preun", Part::Script(Script::Preun)),
    ("%postun", Part::Script(Script::Postun)),
    ("%pretrans", Part::Script(Script::Pretrans)),
    ("%posttrans", Part::Script(Script::Posttrans)),
    ("%pre", Part::Script(Script::Pre)),
    ("%post", Part::Script(Script::Post)),
    ("%files", Part::Files),
    ("%changelog", Part::Changelog),
    ("%description", Part::Description),
    ("%triggerpostun", Part::Script(Script::Trigger)),
    ("%triggerprein", Part::Script(Script::Trigger)),
    ("%triggerun", Part::Script(Script::Trigger)),
    ("%triggerin", Part::Script(Script::Trigger)),
    ("%trigger", Part::Script(Script::Trigger)),
    ("%verifyscript", Part::Script(Script::Verify)),
    ("%sepolicy", Part::Policies),
    ("%filetriggerin", Part::Script(Script::FileTrigger)),
    ("%filetrigger", Part::Script(Script::FileTrigger)),
    ("%filetriggerun", Part::Script(Script::FileTrigger)),
    ("%filetriggerpostun", Part::Script(Script::FileTrigger)),
    ("%transfiletriggerin", Part::Script(Script::FileTrigger)),
    ("%transfiletrigger", Part::Script(Script::FileTrigger)),
    ("%transfiletriggerun", Part::Script(Script::FileTrigger)),
    ("%transfiletriggerpostun", Part::Script(Script::FileTrigger)),
    ("%end", Part::Empty),
    ("%patchlist", Part::PatchList),
    ("%sourcelist", Part::SourceList),
];

/// rpm's `isPart`: a section header (case-insensitive, followed by the end of the line or a blank).
fn part_of(line: &str) -> Option<Part> {
    let bytes = line.as_bytes();
    PARTS.iter().find_map(|(token, part)| {
        let n = token.len();
        let matches = bytes.len() >= n
            && bytes[..n].eq_ignore_ascii_case(token.as_bytes())
            && bytes.get(n).is_none_or(|c| c.is_ascii_whitespace());
        matches.then_some(*part)
    })
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Conditional {
    If,
    IfArch,
    IfNArch,
    IfOs,
    IfNOs,
    Elif,
    ElifArch,
    ElifOs,
    Else,
    Endif,
    Include,
}

impl Conditional {
    fn opens(self) -> bool {
        matches!(
            self,
            Self::If | Self::IfArch | Self::IfNArch | Self::IfOs | Self::IfNOs
        )
    }

    fn is_elif(self) -> bool {
        matches!(self, Self::Elif | Self::ElifArch | Self::ElifOs)
    }
}

/// rpm's `parseLineType`: `%endif`/`%else` must not be followed by a letter; the others by a blank or the end.
fn line_type(line: &str) -> Option<Conditional> {
    const TYPES: &[(&str, Conditional, bool)] = &[
        ("%endif", Conditional::Endif, false),
        ("%else", Conditional::Else, false),
        ("%if", Conditional::If, true),
        ("%ifarch", Conditional::IfArch, true),
        ("%ifnarch", Conditional::IfNArch, true),
        ("%ifos", Conditional::IfOs, true),
        ("%ifnos", Conditional::IfNOs, true),
        ("%include", Conditional::Include, true),
        ("%elifarch", Conditional::ElifArch, true),
        ("%elifos", Conditional::ElifOs, true),
        ("%elif", Conditional::Elif, true),
    ];
    let bytes = line.as_bytes();
    TYPES.iter().find_map(|(text, kind, with_args)| {
        let next = bytes.get(text.len()).copied();
        let ok = line.starts_with(text)
            && if *with_args {
                next.is_none_or(|c| c == b' ' || c == b'\t')
            } else {
                next.is_none_or(|c| !c.is_ascii_alphabetic())
            };
        ok.then_some(*kind)
    })
}

struct ReadLevel {
    reading: bool,
    readable: bool,
    last: Conditional,
    line: usize,
}

/// rpm's `readLine`: logical lines (continued while a `%{`, `%(` or `%[` is open or a line ends in a backslash),
/// expanded when read, split again into lines, conditionals applied.
struct Reader<'t> {
    lines: Vec<&'t str>,
    next: usize,
    /// Lines of the last expansion not yet handed out, with their line number.
    pending: VecDeque<String>,
    pending_line: usize,
    stack: Vec<ReadLevel>,
    line_number: usize,
    /// The reader hit an error rpm stops at.
    failed: bool,
}

enum Read {
    Line(String),
    Eof,
}

impl<'t> Reader<'t> {
    fn new(text: &'t str) -> Self {
        Reader {
            lines: text.split_inclusive('\n').collect(),
            next: 0,
            pending: VecDeque::new(),
            pending_line: 0,
            stack: vec![ReadLevel {
                reading: true,
                readable: true,
                last: Conditional::Endif,
                line: 0,
            }],
            line_number: 0,
            failed: false,
        }
    }

    fn top(&self) -> &ReadLevel {
        // The base level is never popped (an %endif without %if is refused before popping).
        &self.stack[self.stack.len() - 1]
    }

    fn top_mut(&mut self) -> &mut ReadLevel {
        let last = self.stack.len() - 1;
        &mut self.stack[last]
    }

    fn fail(&mut self, diagnostics: &mut Vec<Diagnostic>, line: usize, message: String) {
        self.failed = true;
        diagnostics.push(Diagnostic::error(line, message));
    }

    /// The next line, `strip`ping comments and trailing blanks as the preamble does.
    fn read(&mut self, macros: &mut Macros, strip: bool) -> Read {
        loop {
            if self.pending.is_empty() && !self.fill(macros) {
                return Read::Eof;
            }
            let Some(mut line) = self.pending.pop_front() else {
                continue;
            };
            self.line_number = self.pending_line;
            let trimmed = line
                .trim_start_matches([' ', '\t', '\r', '\x0b', '\x0c'])
                .to_string();
            let kind = line_type(&trimmed);
            if strip {
                if trimmed.starts_with('#') {
                    line.clear();
                }
                line.truncate(line.trim_end().len());
            }
            if let Some(kind) = kind {
                if !self.conditional(kind, trimmed.trim_end().to_string(), macros) {
                    continue;
                }
                line.clear();
            }
            if !self.top().reading {
                line.clear();
            }
            return Read::Line(line);
        }
    }

    /// Reads the next logical line, expands it and queues its lines. False at the end of the spec.
    fn fill(&mut self, macros: &mut Macros) -> bool {
        if self.next >= self.lines.len() {
            if self.stack.len() > 1 {
                let line = self.top().line;
                self.stack.truncate(1);
                self.fail(&mut macros.diagnostics, line, "Unclosed %if".to_string());
            }
            return false;
        }
        let start = self.next + 1;
        let mut buffer = String::new();
        loop {
            match self.lines.get(self.next) {
                Some(line) => {
                    buffer.push_str(line);
                    self.next += 1;
                }
                None => {
                    self.fail(
                        &mut macros.diagnostics,
                        start,
                        "unclosed macro or bad line continuation".to_string(),
                    );
                    break;
                }
            }
            if !needs_more(&buffer) {
                break;
            }
        }
        let raw = buffer.trim_start_matches([' ', '\t', '\r', '\x0b', '\x0c']);
        let expand = match line_type(raw) {
            Some(kind) if kind.is_elif() => self.top().readable,
            _ => self.top().reading,
        };
        let text = if expand {
            macros.line = start;
            let expanded = macros.expand(&buffer);
            if macros.take_failure() {
                self.failed = true;
            }
            expanded
        } else {
            buffer
        };
        self.pending_line = start;
        let body = text.strip_suffix('\n').unwrap_or(&text);
        self.pending.extend(
            body.split('\n')
                .map(|l| l.strip_suffix('\r').unwrap_or(l).to_string()),
        );
        true
    }

    /// Applies a conditional line. False when the line is dropped without becoming an empty line (`%include`).
    fn conditional(&mut self, kind: Conditional, line: String, macros: &mut Macros) -> bool {
        let number = self.line_number;
        let last = self.top().last;
        let wrong = match kind {
            Conditional::Endif => last == Conditional::Endif,
            Conditional::Else | Conditional::Elif | Conditional::ElifArch | Conditional::ElifOs => {
                matches!(last, Conditional::Endif | Conditional::Else)
            }
            _ => false,
        };
        if wrong {
            let text = match kind {
                Conditional::Endif => "%endif",
                Conditional::Else => "%else",
                _ => "%elif",
            };
            let message = if last == Conditional::Endif {
                format!("{text} with no %if")
            } else {
                format!("{text} after %else")
            };
            self.fail(&mut macros.diagnostics, number, message);
            return true;
        }
        let arguments = line
            .split_once([' ', '\t'])
            .map_or("", |(_, rest)| rest)
            .trim();
        let mut matched = false;
        match kind {
            Conditional::IfArch | Conditional::IfNArch | Conditional::ElifArch => {
                let cpu = macros.expand("%{_target_cpu}");
                matched = arguments
                    .split_whitespace()
                    .any(|a| a.eq_ignore_ascii_case(&cpu));
                if kind == Conditional::IfNArch {
                    matched = !matched;
                }
            }
            Conditional::IfOs | Conditional::IfNOs | Conditional::ElifOs => {
                let os = macros.expand("%{_target_os}");
                matched = arguments
                    .split_whitespace()
                    .any(|a| a.eq_ignore_ascii_case(&os));
                if kind == Conditional::IfNOs {
                    matched = !matched;
                }
            }
            Conditional::If | Conditional::Elif => {
                let check = if kind == Conditional::If {
                    self.top().reading
                } else {
                    self.top().readable
                };
                if check {
                    match expr::evaluate(arguments, None) {
                        Ok(value) => matched = value.truthy(),
                        Err(err) => {
                            let text = if kind == Conditional::If {
                                "%if"
                            } else {
                                "%elif"
                            };
                            self.fail(
                                &mut macros.diagnostics,
                                number,
                                format!("bad {text} condition: {err}"),
                            );
                        }
                    }
                }
            }
            Conditional::Else => {
                let parent_reading =
                    self.stack.len() < 2 || self.stack[self.stack.len() - 2].reading;
                let top = self.top_mut();
                top.last = Conditional::Else;
                top.reading = parent_reading && top.readable;
            }
            Conditional::Endif => {
                self.stack.pop();
            }
            Conditional::Include => {
                if self.top().reading {
                    macros.diagnostics.push(Diagnostic::warning(
                        number,
                        format!("%include not read (a spec is read without its files): {line}"),
                    ));
                }
                return false;
            }
        }
        if matches!(
            kind,
            Conditional::IfArch | Conditional::IfNArch | Conditional::IfOs | Conditional::IfNOs
        ) && arguments.is_empty()
        {
            self.fail(
                &mut macros.diagnostics,
                number,
                format!("Argument expected for {line}"),
            );
        }
        if kind.opens() {
            let reading = self.top().reading && matched;
            let readable = !reading && self.top().reading;
            self.stack.push(ReadLevel {
                reading,
                readable,
                last: kind,
                line: number,
            });
        } else if kind.is_elif() {
            let top = self.top_mut();
            top.reading = top.readable && matched;
            if top.reading {
                top.readable = false;
            }
        }
        true
    }
}

/// Whether a logical line continues: an open `%{`, `%(` or `%[`, or a final backslash-newline.
fn needs_more(buffer: &str) -> bool {
    let bytes = buffer.as_bytes();
    let mut groups = crate::macros::Groups::default();
    let mut continued = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => {
                continued = bytes.get(i + 1) == Some(&b'\n');
                i += if i + 1 < bytes.len() { 2 } else { 1 };
                continue;
            }
            b'\n' => continued = false,
            _ => {}
        }
        i += groups.advance(bytes, i);
    }
    groups.open() || continued
}

/// A package being read.
#[derive(Default)]
struct PackageBuild {
    package: Package,
    /// Tags given in this package's preamble (for inheritance and duplicate checks).
    tags: HashMap<&'static str, usize>,
    deps: HashMap<DependencyKind, DependencySet>,
    has_scripts: Vec<Script>,
}

struct Parser<'t> {
    reader: Reader<'t>,
    macros: Macros,
    packages: Vec<PackageBuild>,
    source: SourcePackage,
    source_license: Option<String>,
    build_deps: HashMap<DependencyKind, DependencySet>,
    autonum_source: i64,
    autonum_patch: i64,
    build_arch: Vec<String>,
    /// Set when re-parsing for the main package's BuildArch.
    forced_arch: Option<String>,
    line: String,
}

struct ParseResult {
    spec: Spec,
    build_arch: Vec<String>,
}

impl ParseResult {
    fn into_spec(self) -> Spec {
        self.spec
    }
}

impl<'t> Parser<'t> {
    fn new(text: &'t str, options: &Options, forced_arch: Option<String>) -> Self {
        let mut macros = Macros::new();
        platform::install(&mut macros, options, forced_arch.as_deref());
        Parser {
            reader: Reader::new(text),
            macros,
            packages: Vec::new(),
            source: SourcePackage::default(),
            source_license: None,
            build_deps: HashMap::new(),
            autonum_source: -1,
            autonum_patch: -1,
            build_arch: Vec::new(),
            forced_arch,
            line: String::new(),
        }
    }

    fn error(&mut self, message: String) {
        let line = self.reader.line_number;
        self.reader
            .fail(&mut self.macros.diagnostics, line, message);
    }

    fn warning(&mut self, message: String) {
        let line = self.reader.line_number;
        self.macros
            .diagnostics
            .push(Diagnostic::warning(line, message));
    }

    /// Reads the next line into `self.line`; false at the end.
    fn next_line(&mut self, strip: bool) -> bool {
        match self.reader.read(&mut self.macros, strip) {
            Read::Line(line) => {
                self.line = line;
                true
            }
            Read::Eof => false,
        }
    }

    /// Reads lines until the next section header, collecting them. Returns the header's part.
    fn collect_until_part(&mut self, strip: bool, mut collect: Option<&mut String>) -> Part {
        loop {
            if !self.next_line(strip) {
                return Part::None;
            }
            if let Some(part) = part_of(&self.line) {
                return part;
            }
            if let Some(text) = collect.as_deref_mut() {
                text.push_str(&self.line);
                text.push('\n');
            }
        }
    }

    fn run(mut self) -> ParseResult {
        let mut part = self.preamble(true);
        loop {
            part = match part {
                Part::None => break,
                Part::Preamble => self.preamble(false),
                Part::Description => self.description(),
                Part::Files => self.files(),
                Part::Script(kind) => self.script(kind),
                Part::GenerateBuildRequires => {
                    self.source.dynamic_build_requires = true;
                    self.collect_until_part(false, None)
                }
                Part::Empty
                | Part::Prep
                | Part::Conf
                | Part::Build
                | Part::Install
                | Part::Check
                | Part::Clean
                | Part::Changelog
                | Part::Policies
                | Part::PatchList
                | Part::SourceList => self.collect_until_part(false, None),
            };
        }
        self.finish()
    }

    /// `%package [-n] NAME` (or the main package when `initial`) and its preamble.
    fn preamble(&mut self, initial: bool) -> Part {
        if initial {
            self.packages.push(PackageBuild::default());
        } else {
            let header = self.line.clone();
            match self.package_name(&header, "%package") {
                Some(name) => {
                    if self.packages.iter().any(|p| p.package.name == name) {
                        self.error(format!("Package already exists: {header}"));
                    }
                    let mut build = PackageBuild::default();
                    build.package.name = name;
                    self.packages.push(build);
                }
                None => {
                    self.error(format!("Bad package specification: {header}"));
                    return self.collect_until_part(true, None);
                }
            }
        }
        let index = self.packages.len() - 1;
        loop {
            if !self.next_line(true) {
                return Part::None;
            }
            if let Some(part) = part_of(&self.line) {
                return part;
            }
            let line = self.line.trim_start().to_string();
            if !line.is_empty() {
                self.tag(index, &line);
            }
        }
    }

    /// The package a section header names: `-n NAME` is the full name, a bare `NAME` is `MAIN-NAME`, nothing is
    /// the main package. `None` when the header is malformed.
    fn package_name(&self, header: &str, section: &str) -> Option<String> {
        let (full, suffix, _) = section_arguments(header, section, &["-f"])?;
        let main = self
            .packages
            .first()
            .map(|p| p.package.name.as_str())
            .unwrap_or("");
        match (full, suffix) {
            (Some(name), _) => Some(name),
            (None, Some(suffix)) => Some(format!("{main}-{suffix}")),
            (None, None) => (section != "%package").then(|| main.to_string()),
        }
    }

    fn package_index(&mut self, header: &str, section: &str) -> Option<usize> {
        let Some(name) = self.package_name(header, section) else {
            self.error(format!("Error parsing {section}: {header}"));
            return None;
        };
        match self.packages.iter().position(|p| p.package.name == name) {
            Some(index) => Some(index),
            None => {
                self.error(format!("Package does not exist: {header}"));
                None
            }
        }
    }

    fn description(&mut self) -> Part {
        let header = self.line.clone();
        let index = self.package_index(&header, "%description");
        let mut text = String::new();
        let part = self.collect_until_part(false, Some(&mut text));
        if let Some(index) = index {
            self.packages[index].package.description = text.trim_end().to_string();
        }
        part
    }

    fn files(&mut self) -> Part {
        let header = self.line.clone();
        if let Some(index) = self.package_index(&header, "%files") {
            if self.packages[index].package.has_files {
                self.error(format!("Second %files list: {header}"));
            }
            self.packages[index].package.has_files = true;
        }
        self.collect_until_part(false, None)
    }

    /// A scriptlet: its interpreter (`-p`, `/bin/sh` by default) becomes a `Requires(KIND)` of its package.
    fn script(&mut self, kind: Script) -> Part {
        let header = self.line.clone();
        let head = match kind {
            Script::Trigger | Script::FileTrigger => {
                match header.find(" -- ").or_else(|| header.find("\t-- ")) {
                    Some(i) => header[..i].to_string(),
                    None => {
                        self.error(format!("triggers must have --: {header}"));
                        return self.collect_until_part(false, None);
                    }
                }
            }
            _ => header.clone(),
        };
        let section = head.split_whitespace().next().unwrap_or("").to_string();
        let options = ["-p", "-f", "-P"];
        let Some((full, suffix, values)) = section_arguments(&head, &section, &options) else {
            self.error(format!("Error parsing {section}: {header}"));
            return self.collect_until_part(false, None);
        };
        let main = self
            .packages
            .first()
            .map(|p| p.package.name.clone())
            .unwrap_or_default();
        let name = full
            .or(suffix.map(|s| format!("{main}-{s}")))
            .unwrap_or(main);
        let index = self.packages.iter().position(|p| p.package.name == name);
        let program = values
            .get("-p")
            .cloned()
            .unwrap_or_else(|| "/bin/sh".to_string());
        let part = self.collect_until_part(false, None);
        let Some(index) = index else {
            self.error(format!("Package does not exist: {header}"));
            return part;
        };
        if !matches!(kind, Script::Trigger | Script::FileTrigger)
            && self.packages[index].has_scripts.contains(&kind)
        {
            self.error(format!("Second {section}"));
        }
        self.packages[index].has_scripts.push(kind);
        let flags = match kind {
            Script::Pre => sense::SCRIPT_PRE,
            Script::Post => sense::SCRIPT_POST,
            Script::Preun => sense::SCRIPT_PREUN,
            Script::Postun => sense::SCRIPT_POSTUN,
            Script::Pretrans => sense::PRETRANS,
            Script::Posttrans => sense::POSTTRANS,
            Script::Verify => sense::SCRIPT_VERIFY,
            Script::Trigger | Script::FileTrigger => 0,
        };
        let mut words = program.split_whitespace();
        let interpreter = words.next().unwrap_or("/bin/sh").to_string();
        let requires = self.packages[index]
            .deps
            .entry(DependencyKind::Requires)
            .or_default();
        if interpreter == "<lua>" {
            requires.insert(rpmlib("BuiltinLuaScripts", "4.2.2-1"));
        } else if interpreter.starts_with('<') {
            self.error(format!("unsupported internal script: {interpreter}"));
        } else if !interpreter.starts_with('/') {
            self.error(format!("script program must begin with '/': {interpreter}"));
        } else {
            requires.insert(Dependency {
                name: interpreter,
                version: String::new(),
                flags: flags | sense::INTERP,
            });
            if words.next().is_some() && !matches!(kind, Script::Trigger | Script::FileTrigger) {
                requires.insert(rpmlib("ScriptletInterpreterArgs", "4.0.3-1"));
            }
        }
        part
    }

    /// One preamble line: `Tag: value` or `Tag(qualifiers): value`.
    fn tag(&mut self, index: usize, line: &str) {
        let Some((tag, qualifier, value)) = split_tag(line) else {
            self.error(format!("Unknown tag: {line}"));
            return;
        };
        let value = value.trim();
        if value.is_empty() {
            self.error(format!("Empty tag: {line}"));
            return;
        }
        // An unknown macro stays as written (rpm's rule); rpm warns about it in names and versions, we do for
        // every tag.
        if value.contains('%') {
            self.warning(format!("Possible unexpanded macro in: {line}"));
        }
        let single = !value.contains(char::is_whitespace);
        let single_only = matches!(
            tag.name,
            "name"
                | "version"
                | "release"
                | "epoch"
                | "url"
                | "disttag"
                | "bugurl"
                | "modularitylabel"
                | "vcs"
        );
        if single_only && !single {
            self.error(format!("Tag takes single token only: {line}"));
            return;
        }
        let is_main = index == 0;
        if !matches!(
            tag.kind,
            TagKind::Dependency(_) | TagKind::List | TagKind::Source | TagKind::Patch
        ) {
            let seen = self.packages[index].tags.entry(tag.name).or_insert(0);
            *seen += 1;
            if *seen == 2 && tag.name != "buildroot" {
                let name = self.packages[index].package.name.clone();
                self.error(format!("Duplicate {} entries in package: {name}", tag.name));
            }
        }
        match tag.kind {
            TagKind::Name => {
                if let Err(message) = check_chars(value, ".-_+%{}", true) {
                    self.error(format!("{message}: {line}"));
                }
                self.packages[index].package.name = value.to_string();
            }
            TagKind::Version | TagKind::Release => {
                if let Err(message) = check_chars(value, "._+%{}~^", false) {
                    self.error(format!("{message}: {line}"));
                }
                let package = &mut self.packages[index].package;
                if tag.kind == TagKind::Version {
                    package.version = value.to_string();
                } else {
                    package.release = value.to_string();
                }
            }
            TagKind::Epoch => match value.parse::<u32>() {
                Ok(epoch) => self.packages[index].package.epoch = Some(epoch),
                Err(_) => self.error(format!("Epoch field must be an unsigned number: {line}")),
            },
            TagKind::Summary => self.packages[index].package.summary = value.to_string(),
            TagKind::License => self.packages[index].package.license = value.to_string(),
            TagKind::SourceLicense => self.source_license = Some(value.to_string()),
            TagKind::Url => self.packages[index].package.url = Some(value.to_string()),
            TagKind::Source | TagKind::Patch => {
                self.add_source(tag.kind == TagKind::Patch, line, value)
            }
            TagKind::Dependency(kind) => {
                let qualifiers = match qualifier.map(parse_qualifiers) {
                    Some(Ok(bits)) => bits,
                    Some(Err(())) => {
                        self.error(format!("Bad {}: qualifiers: {line}", tag.name));
                        return;
                    }
                    None => 0,
                };
                let qualifiers = if tag.name == "prereq" {
                    qualifiers | sense::SCRIPT_PRE | sense::SCRIPT_PREUN
                } else {
                    qualifiers
                };
                let set = match kind {
                    DependencyKind::BuildRequires | DependencyKind::BuildConflicts => {
                        self.build_deps.entry(kind).or_default()
                    }
                    _ => self.packages[index].deps.entry(kind).or_default(),
                };
                if let Err(message) = deps::parse_field(value, kind, qualifiers, set) {
                    if message.starts_with("It's not recommended") {
                        self.warning(format!("{message}: {line}"));
                    } else {
                        self.error(format!("{message}: {line}"));
                    }
                }
                if kind == DependencyKind::Obsoletes {
                    self.obsoletes_advice(value, line);
                }
            }
            TagKind::List => {
                let words = value
                    .split(|c: char| c.is_whitespace() || c == ',')
                    .filter(|w| !w.is_empty());
                let list = match tag.name {
                    "exclusivearch" => &mut self.source.exclusive_arch,
                    "excludearch" => &mut self.source.exclude_arch,
                    _ => return,
                };
                list.extend(words.map(str::to_string));
            }
            TagKind::BuildArch => {
                let arches: Vec<String> = value.split_whitespace().map(str::to_string).collect();
                if is_main {
                    if self.forced_arch.is_none() {
                        self.build_arch = arches.clone();
                    }
                    self.source.build_arch = arches;
                } else if arches != ["noarch"] {
                    self.error(format!("Only noarch subpackages are supported: {line}"));
                } else {
                    self.packages[index].package.arch = "noarch".to_string();
                }
            }
            TagKind::Other => {}
        }
        if tag.defines_macro {
            self.macros.define(tag.name, None, value, LEVEL_SPEC);
            if is_main {
                self.macros
                    .define(&tag.name.to_ascii_uppercase(), None, value, LEVEL_SPEC);
            }
        }
    }

    fn obsoletes_advice(&mut self, value: &str, line: &str) {
        let mut set = DependencySet::new();
        if deps::parse_field(value, DependencyKind::Obsoletes, 0, &mut set).is_ok() {
            if set.iter().any(|d| d.version.is_empty()) {
                self.warning(format!(
                    "It's not recommended to have unversioned Obsoletes: {line}"
                ));
            } else if set.iter().any(|d| d.flags & sense::GREATER != 0) {
                self.warning(format!(
                    "It's not recommended to use '>' in Obsoletes: {line}"
                ));
            }
        }
    }

    /// rpm's `addSource`: numbered or auto-numbered (continuing after the highest number given).
    fn add_source(&mut self, patch: bool, line: &str, value: &str) {
        let word = if patch { "patch" } else { "source" };
        let after = line[word.len()..].trim_start();
        let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
        let autonum = if patch {
            &mut self.autonum_patch
        } else {
            &mut self.autonum_source
        };
        let number = if digits.is_empty() {
            *autonum += 1;
            *autonum
        } else {
            match digits.parse::<u32>() {
                Ok(n) => {
                    *autonum = (*autonum).max(i64::from(n));
                    i64::from(n)
                }
                Err(_) => {
                    self.error(format!("Bad {word} number: {line}"));
                    return;
                }
            }
        };
        let Ok(number) = u32::try_from(number) else {
            self.error(format!("Bad {word} number: {line}"));
            return;
        };
        let list = if patch {
            &mut self.source.patches
        } else {
            &mut self.source.sources
        };
        if list.iter().any(|s| s.number == number) {
            self.error(format!("{word} {number} defined multiple times"));
            return;
        }
        let file_name = value.rsplit('/').next().unwrap_or(value).to_string();
        list.push(SourceFile {
            number,
            location: value.to_string(),
            file_name: file_name.clone(),
        });
        let upper = if patch { "PATCH" } else { "SOURCE" };
        self.macros.define(
            &format!("{upper}{number}"),
            None,
            &format!("%{{_sourcedir}}/{file_name}"),
            LEVEL_SPEC,
        );
        self.macros
            .define(&format!("{upper}URL{number}"), None, value, LEVEL_SPEC);
    }

    fn finish(mut self) -> ParseResult {
        if self.packages.is_empty() {
            self.packages.push(PackageBuild::default());
        }
        let target = self.macros.expand("%{_target_cpu}");
        let main = self.packages[0].package.clone();
        for required in ["name", "version", "release", "summary", "license"] {
            let missing = match required {
                "name" => main.name.is_empty(),
                "version" => main.version.is_empty(),
                "release" => main.release.is_empty(),
                "summary" => main.summary.is_empty(),
                _ => main.license.is_empty(),
            };
            if missing {
                let shown = if main.name.is_empty() {
                    "(main package)".to_string()
                } else {
                    main.name.clone()
                };
                self.reader.line_number = 0;
                self.error(format!(
                    "{} field must be present in package: {shown}",
                    capitalize(required)
                ));
            }
        }
        let import_paths = crate::fedora::import_paths(&mut self.macros);
        let mut packages = Vec::new();
        for (i, mut build) in std::mem::take(&mut self.packages).into_iter().enumerate() {
            let package = &mut build.package;
            if i > 0 {
                // rpm's copyInheritedTags.
                if !build.tags.contains_key("version") {
                    package.version.clone_from(&main.version);
                }
                if !build.tags.contains_key("release") {
                    package.release.clone_from(&main.release);
                }
                if !build.tags.contains_key("epoch") {
                    package.epoch = main.epoch;
                }
                if !build.tags.contains_key("license") {
                    package.license.clone_from(&main.license);
                }
                if !build.tags.contains_key("url") {
                    package.url.clone_from(&main.url);
                }
                if package.summary.is_empty() {
                    let name = package.name.clone();
                    self.reader.line_number = 0;
                    self.error(format!("Summary field must be present in package: {name}"));
                }
            }
            if package.arch.is_empty() {
                package.arch = target.clone();
            }
            let evr = package.evr();
            let provides = build.deps.entry(DependencyKind::Provides).or_default();
            provides.insert(Dependency {
                name: package.name.clone(),
                version: evr,
                flags: sense::EQUAL,
            });
            let take = |deps: &mut HashMap<DependencyKind, DependencySet>, kind| {
                deps.remove(&kind)
                    .map(|set| set.into_iter().collect())
                    .unwrap_or_default()
            };
            package.requires = take(&mut build.deps, DependencyKind::Requires);
            package.provides = take(&mut build.deps, DependencyKind::Provides);
            package.conflicts = take(&mut build.deps, DependencyKind::Conflicts);
            package.obsoletes = take(&mut build.deps, DependencyKind::Obsoletes);
            package.recommends = take(&mut build.deps, DependencyKind::Recommends);
            package.suggests = take(&mut build.deps, DependencyKind::Suggests);
            package.supplements = take(&mut build.deps, DependencyKind::Supplements);
            package.enhances = take(&mut build.deps, DependencyKind::Enhances);
            package.order_with_requires = take(&mut build.deps, DependencyKind::OrderWithRequires);
            packages.push(build.package);
        }
        let mut source = std::mem::take(&mut self.source);
        source.name.clone_from(&main.name);
        source.epoch = main.epoch;
        source.version.clone_from(&main.version);
        source.release.clone_from(&main.release);
        source.license = self
            .source_license
            .take()
            .unwrap_or_else(|| main.license.clone());
        source.url.clone_from(&main.url);
        source.build_requires = self
            .build_deps
            .remove(&DependencyKind::BuildRequires)
            .map(|s| s.into_iter().collect())
            .unwrap_or_default();
        source.build_conflicts = self
            .build_deps
            .remove(&DependencyKind::BuildConflicts)
            .map(|s| s.into_iter().collect())
            .unwrap_or_default();
        let mut diagnostics = std::mem::take(&mut self.macros.diagnostics);
        diagnostics.sort_by_key(|d| d.line);
        diagnostics.dedup();
        ParseResult {
            spec: Spec {
                source,
                packages,
                import_paths,
                diagnostics,
            },
            build_arch: std::mem::take(&mut self.build_arch),
        }
    }
}

fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

fn rpmlib(feature: &str, version: &str) -> Dependency {
    Dependency {
        name: format!("rpmlib({feature})"),
        version: version.to_string(),
        flags: sense::RPMLIB | sense::LESS | sense::EQUAL,
    }
}

/// rpm's `rpmCharCheck` for names, versions and releases.
fn check_chars(value: &str, allowed: &str, name: bool) -> Result<(), String> {
    let mut chars = value.chars();
    if name {
        if let Some(first) = chars.clone().next() {
            if !(first.is_ascii_alphanumeric() || first == '_' || first == '%') {
                return Err(format!("Illegal char '{first}' (0x{:x}) in", first as u32));
            }
        }
    }
    if let Some(c) = chars.find(|c| !(c.is_ascii_alphanumeric() || allowed.contains(*c))) {
        return Err(format!("Illegal char '{c}' (0x{:x}) in", c as u32));
    }
    if value.contains("..") {
        return Err("Illegal sequence \"..\" in".to_string());
    }
    Ok(())
}

/// `Requires(pre,post)` qualifier bits.
fn parse_qualifiers(text: &str) -> Result<u32, ()> {
    const BITS: &[(&str, u32)] = &[
        ("interp", sense::INTERP),
        ("meta", sense::META),
        ("preun", sense::SCRIPT_PREUN),
        ("pre", sense::SCRIPT_PRE),
        ("postun", sense::SCRIPT_POSTUN),
        ("post", sense::SCRIPT_POST),
        ("rpmlib", sense::RPMLIB),
        ("verify", sense::SCRIPT_VERIFY),
        ("pretrans", sense::PRETRANS),
        ("posttrans", sense::POSTTRANS),
    ];
    let mut bits = 0;
    for word in text.split(',') {
        let word = word.trim();
        if word.is_empty() {
            return Err(());
        }
        bits |= BITS.iter().find(|(name, _)| *name == word).ok_or(())?.1;
    }
    Ok(bits)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum TagKind {
    Name,
    Version,
    Release,
    Epoch,
    Summary,
    License,
    SourceLicense,
    Url,
    Source,
    Patch,
    Dependency(DependencyKind),
    List,
    BuildArch,
    Other,
}

struct Tag {
    name: &'static str,
    kind: TagKind,
    defines_macro: bool,
}

/// rpm's preamble tags, in rpm's lookup order (the first token that prefixes the line wins). The number is the
/// tag's syntax: 0 `Tag:`, 1 `Tag(lang):`, 2 `Tag(qualifiers):`.
const TAGS: &[(&str, TagKind, u8, bool)] = &[
    ("name", TagKind::Name, 0, true),
    ("version", TagKind::Version, 0, true),
    ("release", TagKind::Release, 0, true),
    ("epoch", TagKind::Epoch, 0, true),
    ("summary", TagKind::Summary, 1, true),
    ("license", TagKind::License, 0, true),
    ("sourcelicense", TagKind::SourceLicense, 0, true),
    ("distribution", TagKind::Other, 0, true),
    ("disturl", TagKind::Other, 0, true),
    ("vendor", TagKind::Other, 0, true),
    ("group", TagKind::Other, 1, true),
    ("packager", TagKind::Other, 0, true),
    ("url", TagKind::Url, 0, true),
    ("vcs", TagKind::Other, 0, true),
    ("source", TagKind::Source, 0, false),
    ("patch", TagKind::Patch, 0, false),
    ("nosource", TagKind::Other, 0, false),
    ("nopatch", TagKind::Other, 0, false),
    ("excludearch", TagKind::List, 0, false),
    ("exclusivearch", TagKind::List, 0, false),
    ("excludeos", TagKind::List, 0, false),
    ("exclusiveos", TagKind::List, 0, false),
    ("icon", TagKind::Other, 0, false),
    (
        "provides",
        TagKind::Dependency(DependencyKind::Provides),
        0,
        false,
    ),
    (
        "requires",
        TagKind::Dependency(DependencyKind::Requires),
        2,
        false,
    ),
    (
        "recommends",
        TagKind::Dependency(DependencyKind::Recommends),
        0,
        false,
    ),
    (
        "suggests",
        TagKind::Dependency(DependencyKind::Suggests),
        0,
        false,
    ),
    (
        "supplements",
        TagKind::Dependency(DependencyKind::Supplements),
        0,
        false,
    ),
    (
        "enhances",
        TagKind::Dependency(DependencyKind::Enhances),
        0,
        false,
    ),
    (
        "prereq",
        TagKind::Dependency(DependencyKind::Requires),
        2,
        false,
    ),
    (
        "conflicts",
        TagKind::Dependency(DependencyKind::Conflicts),
        0,
        false,
    ),
    (
        "obsoletes",
        TagKind::Dependency(DependencyKind::Obsoletes),
        0,
        false,
    ),
    ("prefixes", TagKind::Other, 0, true),
    ("prefix", TagKind::Other, 0, true),
    ("buildroot", TagKind::Other, 0, false),
    ("buildarchitectures", TagKind::BuildArch, 0, false),
    ("buildarch", TagKind::BuildArch, 0, false),
    (
        "buildconflicts",
        TagKind::Dependency(DependencyKind::BuildConflicts),
        0,
        false,
    ),
    (
        "buildprereq",
        TagKind::Dependency(DependencyKind::BuildRequires),
        0,
        false,
    ),
    (
        "buildrequires",
        TagKind::Dependency(DependencyKind::BuildRequires),
        0,
        false,
    ),
    ("autoreqprov", TagKind::Other, 0, false),
    ("autoreq", TagKind::Other, 0, false),
    ("autoprov", TagKind::Other, 0, false),
    ("docdir", TagKind::Other, 0, false),
    ("disttag", TagKind::Other, 0, true),
    ("bugurl", TagKind::Other, 0, true),
    ("translationurl", TagKind::Other, 0, true),
    ("upstreamreleases", TagKind::Other, 0, true),
    (
        "orderwithrequires",
        TagKind::Dependency(DependencyKind::OrderWithRequires),
        2,
        false,
    ),
    ("removepathpostfixes", TagKind::Other, 0, true),
    ("modularitylabel", TagKind::Other, 0, true),
];

/// rpm's `findPreambleTag`: the tag, its `(...)` qualifier and the text after the colon.
fn split_tag(line: &str) -> Option<(Tag, Option<&str>, &str)> {
    let bytes = line.as_bytes();
    let &(name, kind, syntax, defines_macro) = TAGS.iter().find(|(token, ..)| {
        bytes.len() >= token.len() && bytes[..token.len()].eq_ignore_ascii_case(token.as_bytes())
    })?;
    let mut rest = line[name.len()..].trim_start();
    let mut qualifier = None;
    match syntax {
        0 => {
            if matches!(kind, TagKind::Source | TagKind::Patch) {
                rest = rest
                    .trim_start_matches(|c: char| c.is_ascii_digit())
                    .trim_start();
            }
            rest = rest.strip_prefix(':')?;
        }
        _ => {
            if let Some(after) = rest.strip_prefix(':') {
                rest = after;
            } else {
                let inner = rest.strip_prefix('(')?.trim_start();
                let close = inner.find(|c: char| c.is_whitespace() || c == ')')?;
                qualifier = Some(&inner[..close]);
                rest = inner[close..]
                    .trim_start()
                    .strip_prefix(')')?
                    .trim_start()
                    .strip_prefix(':')?;
                if syntax == 1 {
                    qualifier = None;
                }
            }
        }
    }
    Some((
        Tag {
            name,
            kind,
            defines_macro,
        },
        qualifier,
        rest,
    ))
}

/// The arguments of a section header such as `%files -n NAME -f LIST` or `%post -p /bin/bash SUFFIX`: the full
/// name given with `-n`, the suffix given bare, and the values of `value_options`. `None` when malformed (an
/// unknown option, a missing value, several names).
type SectionArguments = (
    Option<String>,
    Option<String>,
    HashMap<&'static str, String>,
);

fn section_arguments(
    header: &str,
    section: &str,
    value_options: &[&'static str],
) -> Option<SectionArguments> {
    let words = shell_words(header.get(section.len()..)?)?;
    let mut full = None;
    let mut suffix = None;
    let mut values = HashMap::new();
    let mut words = words.into_iter();
    while let Some(word) = words.next() {
        if word == "-n" {
            full = Some(words.next()?);
        } else if let Some(option) = value_options.iter().find(|o| **o == word) {
            values.insert(*option, words.next()?);
        } else if matches!(word.as_str(), "-e" | "-q") && section != "%package" {
        } else if word == "-l" && section == "%description" {
            words.next()?;
        } else if word.starts_with('-') && word.len() > 1 {
            return None;
        } else if suffix.is_none() {
            suffix = Some(word);
        } else {
            return None;
        }
    }
    if full.is_some() && suffix.is_some() {
        // rpm keeps the -n name and refuses a second name only when two bare names are given.
        suffix = None;
    }
    Some((full, suffix, values))
}

/// popt's `poptParseArgvString`: words split on blanks, with '...' and "..." quoting and backslash escapes.
fn shell_words(text: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), '\\') => word.push(chars.next()?),
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, '\\') => {
                word.push(chars.next()?);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if quote.is_some() {
        return None;
    }
    if in_word {
        words.push(word);
    }
    Some(words)
}
