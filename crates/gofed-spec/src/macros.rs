//! rpm's macro language: the table of definitions and the expander.
//!
//! The expander follows rpm 4.18's `expandMacro` (rpmio/macro.c) rule for rule, because spec files depend on its
//! quirks: an unknown `%name` stays as written, `%{?name:...}`/`%{!?name:...}` test existence, parametric macros
//! take their arguments to the end of the line (or inside `%{name ...}`) with glibc `getopt` option parsing, a
//! `%define` inside a parametric macro is local to it, `%{expand:...}` expands twice, and an error stops the rest
//! of the expansion. Definitions are a stack per name; each entry remembers the call level it was made at, so that
//! leaving a parametric macro drops its arguments and local definitions.
//!
//! What rpm would run outside itself is not run: `%(shell)` expands to nothing, `%{lua:...}` expands to nothing
//! unless it is one of the Lua macros this crate models natively (Fedora's Go and forge macros, see
//! [`crate::fedora`]); both are reported as [`Diagnostic`]s. Work is bounded: 64 levels of nesting (rpm's limit),
//! [`MAX_EXPANSION`] bytes per expansion and [`MAX_CALLS`] macro calls per spec.

use std::collections::HashMap;

use crate::expr;
use crate::Diagnostic;

/// rpm's `max_macro_depth`.
pub(crate) const MAX_DEPTH: usize = 64;
/// Largest result of one expansion; a macro that doubles itself on every definition reaches it in a few dozen lines.
pub(crate) const MAX_EXPANSION: usize = 16 << 20;
/// Macro calls allowed for one spec (the corpus needs a few thousand).
pub(crate) const MAX_CALLS: u64 = 2_000_000;

/// A macro implemented in Rust: rpm's built-ins and the Lua macros of Fedora's kits. It runs inside the call's
/// scope (its options are readable as `%{-x}`/`%{-x*}` and its arguments as `%1`..., through [`Macros::expand`])
/// and returns the text that replaces the call.
pub(crate) type NativeFn = fn(&mut Macros, &[String]) -> String;

#[derive(Clone)]
enum Body {
    /// Text expanded at each use.
    Text(String),
    /// Text used as is (arguments and options of a call, `%0`, `%#`, ...).
    Literal(String),
    /// rpm built-in with a fixed argument rule (`nargs`: 0 none, 1 one, -1 any) and, for `%define`, `%global`,
    /// `%dnl`, `%lua`, raw access to the rest of the line.
    Builtin {
        func: Builtin,
        nargs: i8,
        parse: bool,
    },
    /// A modelled Lua macro (or a build macro whose only visible effect is its option check).
    Native(NativeFn),
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Builtin {
    SourcePatch,
    Basename,
    Dirname,
    Shrink,
    Quote,
    Suffix,
    Expr,
    Url2path,
    Getenv,
    Getconfdir,
    Getncpus,
    Exists,
    Define,
    Global,
    Undefine,
    Dnl,
    Dump,
    Echo,
    Warn,
    Error,
    Expand,
    Load,
    Lua,
    Macrobody,
    Rpmversion,
    Shescape,
    Trace,
    Uncompress,
    Verbose,
}

const BUILTINS: &[(&str, Builtin, i8, bool)] = &[
    ("P", Builtin::SourcePatch, 1, false),
    ("S", Builtin::SourcePatch, 1, false),
    ("basename", Builtin::Basename, 1, false),
    ("define", Builtin::Define, 1, true),
    ("dirname", Builtin::Dirname, 1, false),
    ("dnl", Builtin::Dnl, 1, true),
    ("dump", Builtin::Dump, 0, false),
    ("echo", Builtin::Echo, 1, false),
    ("error", Builtin::Error, 1, false),
    ("exists", Builtin::Exists, 1, false),
    ("expand", Builtin::Expand, 1, false),
    ("expr", Builtin::Expr, 1, false),
    ("getconfdir", Builtin::Getconfdir, 0, false),
    ("getenv", Builtin::Getenv, 1, false),
    ("getncpus", Builtin::Getncpus, 0, false),
    ("global", Builtin::Global, 1, true),
    ("load", Builtin::Load, 1, false),
    ("lua", Builtin::Lua, 1, true),
    ("macrobody", Builtin::Macrobody, 1, false),
    ("quote", Builtin::Quote, 1, false),
    ("rpmversion", Builtin::Rpmversion, 0, false),
    ("shrink", Builtin::Shrink, 1, false),
    ("suffix", Builtin::Suffix, 1, false),
    ("trace", Builtin::Trace, 0, false),
    ("u2p", Builtin::Url2path, 1, false),
    ("shescape", Builtin::Shescape, 1, false),
    ("uncompress", Builtin::Uncompress, 1, false),
    ("undefine", Builtin::Undefine, 1, false),
    ("url2path", Builtin::Url2path, 1, false),
    ("verbose", Builtin::Verbose, -1, true),
    ("warn", Builtin::Warn, 1, false),
];

#[derive(Clone)]
struct Definition {
    /// `Some` for a parametric macro: its getopt option string.
    opts: Option<String>,
    body: Body,
    /// Call level it was made at: 0 for `%global` and top-level `%define`, negative for the preamble's tags and
    /// the platform, positive inside parametric calls.
    level: i32,
    /// Arguments and options of a call: invisible from deeper calls.
    automatic: bool,
}

/// The macro table and the state of one spec's expansion.
pub struct Macros {
    table: HashMap<String, Vec<Definition>>,
    /// Names defined at each positive call level, to drop when the call returns.
    scopes: Vec<Vec<String>>,
    depth: usize,
    level: i32,
    /// rpm's `mb->error`: once set, the expansion in progress stops.
    failed: bool,
    calls: u64,
    /// Line of the spec being expanded, for diagnostics.
    pub(crate) line: usize,
    pub(crate) diagnostics: Vec<Diagnostic>,
}

/// rpm's definition levels (rpmmacro.h).
pub(crate) const LEVEL_PLATFORM: i32 = -13;
pub(crate) const LEVEL_CMDLINE: i32 = -7;
pub(crate) const LEVEL_SPEC: i32 = -3;
pub(crate) const LEVEL_GLOBAL: i32 = 0;

impl Default for Macros {
    fn default() -> Self {
        Self::new()
    }
}

impl Macros {
    /// A table holding rpm's built-ins only.
    pub fn new() -> Self {
        let mut macros = Macros {
            table: HashMap::new(),
            scopes: Vec::new(),
            depth: 0,
            level: 0,
            failed: false,
            calls: 0,
            line: 0,
            diagnostics: Vec::new(),
        };
        for &(name, func, nargs, parse) in BUILTINS {
            macros.push_definition(
                name,
                None,
                Body::Builtin { func, nargs, parse },
                LEVEL_PLATFORM,
                false,
            );
        }
        macros
    }

    /// Defines `name` (parametric when `opts` is `Some`) with a body expanded at each use.
    pub fn define(&mut self, name: &str, opts: Option<&str>, body: &str, level: i32) {
        self.push_definition(
            name,
            opts.map(str::to_string),
            Body::Text(body.to_string()),
            level,
            false,
        );
    }

    /// Defines `name` as a native macro (always parametric, with `opts` as its options).
    pub(crate) fn define_native(&mut self, name: &str, opts: &str, func: NativeFn) {
        self.push_definition(
            name,
            Some(opts.to_string()),
            Body::Native(func),
            LEVEL_PLATFORM,
            false,
        );
    }

    /// rpm's `rpmDefineMacro`/Lua `rpm.define`: "NAME[(OPTS)] BODY", defined at the global level.
    pub(crate) fn define_line(&mut self, definition: &str) {
        self.do_define(definition, LEVEL_GLOBAL, false, false);
    }

    /// Removes the innermost definition of `name`.
    pub fn undefine(&mut self, name: &str) {
        if let Some(stack) = self.table.get_mut(name) {
            stack.pop();
            if stack.is_empty() {
                self.table.remove(name);
            }
        }
    }

    /// Whether `name` is defined and visible here (rpm's `rpmMacroIsDefined`, Lua's `rpm.isdefined`).
    pub fn is_defined(&self, name: &str) -> bool {
        self.lookup(name).is_some()
    }

    /// The unexpanded body of a text macro.
    pub fn body(&self, name: &str) -> Option<&str> {
        match &self.lookup(name)?.body {
            Body::Text(text) | Body::Literal(text) => Some(text),
            _ => None,
        }
    }

    fn push_definition(
        &mut self,
        name: &str,
        opts: Option<String>,
        body: Body,
        level: i32,
        automatic: bool,
    ) {
        if level > 0 {
            let index = level as usize;
            if self.scopes.len() <= index {
                self.scopes.resize_with(index + 1, Vec::new);
            }
            self.scopes[index].push(name.to_string());
        }
        self.table
            .entry(name.to_string())
            .or_default()
            .push(Definition {
                opts,
                body,
                level,
                automatic,
            });
    }

    /// The suffixes `S` of the defined macros named `PREFIX` + `S` where `S` is all digits.
    pub(crate) fn names_with_numeric_suffix(&self, prefix: &str) -> Vec<String> {
        let mut found: Vec<String> = self
            .table
            .keys()
            .filter_map(|name| name.strip_prefix(prefix))
            .filter(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()))
            .map(str::to_string)
            .collect();
        found.sort();
        found
    }

    fn lookup(&self, name: &str) -> Option<&Definition> {
        let definition = self.table.get(name)?.last()?;
        // rpm: "Ignore out-of-scope automatic macros".
        if definition.automatic && self.level > definition.level {
            return None;
        }
        Some(definition)
    }

    /// Expands `text` as rpm's `rpmExpandMacros`. Errors are recorded as diagnostics; after one, the rest of this
    /// expansion is left out (as rpm does) and [`Macros::take_failure`] reports it.
    pub fn expand(&mut self, text: &str) -> String {
        let mut out = String::new();
        self.expand_into(text, &mut out);
        out
    }

    /// Whether an expansion since the last call failed, clearing the flag.
    pub fn take_failure(&mut self) -> bool {
        std::mem::take(&mut self.failed)
    }

    pub(crate) fn error(&mut self, message: String) {
        self.failed = true;
        self.diagnostics.push(Diagnostic::error(self.line, message));
    }

    pub(crate) fn warning(&mut self, message: String) {
        self.diagnostics
            .push(Diagnostic::warning(self.line, message));
    }

    /// rpm's `expandThis`: a nested expansion into a fresh buffer; its failure is the caller's.
    fn expand_this(&mut self, text: &str) -> String {
        let saved = std::mem::take(&mut self.failed);
        let out = self.expand(text);
        self.failed |= saved;
        out
    }

    fn expand_into(&mut self, src: &str, out: &mut String) {
        if self.depth >= MAX_DEPTH {
            self.error(
                "Too many levels of recursion in macro expansion. It is likely caused by recursive macro declaration."
                    .to_string(),
            );
            return;
        }
        self.depth += 1;
        self.expand_loop(src, out);
        self.depth -= 1;
    }

    fn expand_loop(&mut self, src: &str, out: &mut String) {
        let bytes = src.as_bytes();
        let mut s = 0;
        while !self.failed && s < bytes.len() {
            if out.len() > MAX_EXPANSION {
                self.error(format!("macro expansion exceeds {MAX_EXPANSION} bytes"));
                break;
            }
            if bytes[s] != b'%' {
                let next = memchr::memchr(b'%', &bytes[s..]).map_or(bytes.len(), |p| s + p);
                out.push_str(&src[s..next]);
                s = next;
                continue;
            }
            s += 1;
            match bytes.get(s) {
                None => {
                    out.push('%');
                    continue;
                }
                Some(b'%') => {
                    out.push('%');
                    s += 1;
                    continue;
                }
                Some(_) => {}
            }
            let Some(mut se) = find_macro_end(bytes, s) else {
                let rest: String = src[s..].chars().take(40).collect();
                self.error(format!("Unterminated {}: {rest}", bytes[s] as char));
                continue;
            };
            let (f, fe, negate, chkexist);
            let mut g: Option<(usize, usize)> = None;
            let mut lastc: Option<usize> = None;
            match bytes[s] {
                b'(' => {
                    let command = self.expand_this(&src[s + 1..se - 1]);
                    self.warning(format!("shell command not run: %({})", command.trim()));
                    s = se;
                    continue;
                }
                b'[' => {
                    self.expression(&src[s + 1..se - 1], out);
                    s = se;
                    continue;
                }
                b'{' => {
                    let (start, neg, chk) = negate_and_check(bytes, s + 1);
                    (f, negate, chkexist) = (start, neg, chk);
                    let mut end = f;
                    while end < bytes.len() && !matches!(bytes[end], b' ' | b':' | b'}') {
                        end += 1;
                    }
                    fe = end;
                    match bytes.get(fe) {
                        Some(b':') => g = Some((fe + 1, se - 1)),
                        Some(b' ') => lastc = Some(se - 1),
                        _ => {}
                    }
                }
                _ => {
                    let (start, neg, chk) = negate_and_check(bytes, s);
                    (f, negate, chkexist) = (start, neg, chk);
                    s = f;
                    fe = se;
                    if matches!(bytes.get(fe), Some(b' ' | b'\t')) {
                        lastc = Some(
                            memchr::memchr(b'\n', &bytes[fe..]).map_or(bytes.len(), |p| fe + p),
                        );
                    }
                }
            }
            if fe <= f {
                out.push('%');
                continue;
            }
            let name = &src[f..fe];
            let found = self.lookup(name).cloned();

            if bytes[f] == b'-' || chkexist {
                if (found.is_none() && !negate) || (found.is_some() && negate) {
                    s = se;
                    continue;
                }
                if let Some((gs, ge)) = g.filter(|(gs, ge)| gs < ge) {
                    self.expand_into(&src[gs..ge], out);
                } else if let Some(definition) = found {
                    self.call(name, &definition, None, false, out);
                }
                s = se;
                continue;
            }

            let Some(definition) = found else {
                // rpm leaves an unknown macro as written.
                out.push('%');
                continue;
            };
            let is_builtin = matches!(definition.body, Body::Builtin { .. });
            if definition.opts.is_none() && !is_builtin {
                self.call(name, &definition, None, false, out);
                s = se;
                continue;
            }
            if definition.opts.is_none() && fe == se {
                lastc = None;
            }
            let parse = matches!(definition.body, Body::Builtin { parse: true, .. });
            let mut args = vec![name.to_string()];
            if parse && fe == se {
                // `%define NAME BODY`, `%global ...`, `%dnl ...`: the built-in consumes what it needs.
                args.push(src[se..].to_string());
                let consumed = self.call(name, &definition, Some(&args), true, out);
                se += consumed;
            } else {
                if let Some((gs, ge)) = g {
                    se = self.grab_args(&definition, &mut args, src, gs, ge, false);
                } else if let Some(lc) = lastc {
                    se = self.grab_args(&definition, &mut args, src, fe, lc, true);
                }
                self.call(name, &definition, Some(&args), false, out);
            }
            s = se;
        }
    }

    /// rpm's `grabArgs`: the arguments between `start` and `lastc`, expanded (except for parsing built-ins) and
    /// split on blanks. Returns where scanning continues.
    fn grab_args(
        &mut self,
        definition: &Definition,
        args: &mut Vec<String>,
        src: &str,
        start: usize,
        lastc: usize,
        split: bool,
    ) -> usize {
        let text = &src[start..lastc];
        if matches!(definition.body, Body::Builtin { parse: true, .. }) {
            args.push(text.to_string());
        } else {
            let expanded = self.expand_this(text);
            if split {
                split_quoted(&expanded, args);
            } else {
                args.push(expanded);
            }
        }
        let bytes = src.as_bytes();
        match bytes.get(lastc) {
            None => lastc,
            Some(b'\n') if lastc == 0 || bytes[lastc - 1] != b'\\' => lastc,
            Some(_) => lastc + 1,
        }
    }

    /// rpm's `doMacro`. Returns how much of the rest of the line a parsing built-in consumed.
    fn call(
        &mut self,
        name: &str,
        definition: &Definition,
        args: Option<&[String]>,
        parsed: bool,
        out: &mut String,
    ) -> usize {
        self.calls += 1;
        if self.calls > MAX_CALLS {
            self.error(format!("more than {MAX_CALLS} macro calls"));
            return 0;
        }
        match &definition.body {
            Body::Builtin { func, nargs, .. } => {
                let given = args.map_or(0, |a| a.len().saturating_sub(1));
                let need = *nargs != 0;
                if *nargs >= 0 && need != (given > 0) {
                    let what = if need {
                        "argument expected"
                    } else {
                        "unexpected argument"
                    };
                    self.error(format!("%{name}: {what}"));
                    return 0;
                }
                let arg = args
                    .and_then(|a| a.get(1))
                    .map(String::as_str)
                    .unwrap_or("");
                self.builtin(*func, name, arg, args.unwrap_or(&[]), parsed, out)
            }
            Body::Literal(text) => {
                out.push_str(text);
                0
            }
            Body::Text(text) => {
                if text.is_empty() {
                    return 0;
                }
                match args {
                    Some(args) => {
                        let opts = definition.opts.as_deref().unwrap_or("");
                        self.enter_call(name, opts, args);
                        self.expand_into(text, out);
                        self.leave_call();
                    }
                    None => self.expand_into(text, out),
                }
                0
            }
            Body::Native(func) => {
                let args_owned;
                let args = match args {
                    Some(args) => args,
                    None => {
                        args_owned = vec![name.to_string()];
                        &args_owned
                    }
                };
                let opts = definition.opts.as_deref().unwrap_or("");
                self.enter_call(name, opts, args);
                if !self.failed {
                    let text = func(self, args);
                    out.push_str(&text);
                }
                self.leave_call();
                0
            }
        }
    }

    /// rpm's `setupArgs`: a new level holding `%0`, `%**`, the options (`%-x`, `%-x*`), `%#`, `%1`... and `%*`.
    fn enter_call(&mut self, name: &str, opts: &str, args: &[String]) {
        self.level += 1;
        let level = self.level;
        let literal = |text: String| Body::Literal(text);
        self.push_definition("0", None, literal(name.to_string()), level, true);
        self.push_definition("**", None, literal(args[1..].join(" ")), level, true);
        match getopt(&args[1..], opts) {
            Ok((options, positional)) => {
                for (option, value) in options {
                    let body = match &value {
                        Some(value) => format!("-{option} {value}"),
                        None => format!("-{option}"),
                    };
                    self.push_definition(&format!("-{option}"), None, literal(body), level, true);
                    if let Some(value) = value {
                        self.push_definition(
                            &format!("-{option}*"),
                            None,
                            literal(value),
                            level,
                            true,
                        );
                    }
                }
                self.push_definition(
                    "#",
                    None,
                    literal(positional.len().to_string()),
                    level,
                    true,
                );
                for (i, arg) in positional.iter().enumerate() {
                    self.push_definition(
                        &(i + 1).to_string(),
                        None,
                        literal(arg.clone()),
                        level,
                        true,
                    );
                }
                self.push_definition("*", None, literal(positional.join(" ")), level, true);
            }
            Err(option) => self.error(format!("Unknown option {option} in {name}({opts})")),
        }
    }

    /// rpm's `freeArgs`: drops everything defined at this level or deeper.
    fn leave_call(&mut self) {
        let level = self.level;
        for index in (level.max(1) as usize)..self.scopes.len() {
            for name in std::mem::take(&mut self.scopes[index]) {
                if let Some(stack) = self.table.get_mut(&name) {
                    while stack.last().is_some_and(|d| d.level >= level) {
                        stack.pop();
                    }
                    if stack.is_empty() {
                        self.table.remove(&name);
                    }
                }
            }
        }
        self.level -= 1;
    }

    fn expression(&mut self, text: &str, out: &mut String) {
        let mut expand = |t: &str| self.expand_this(t);
        let result = expr::evaluate(text, Some(&mut expand));
        match result {
            Ok(value) => out.push_str(&value.render()),
            Err(err) => self.error(format!("{err}: {text}")),
        }
    }

    fn builtin(
        &mut self,
        func: Builtin,
        name: &str,
        arg: &str,
        args: &[String],
        parsed: bool,
        out: &mut String,
    ) -> usize {
        match func {
            Builtin::SourcePatch => {
                let prefix = if name == "S" { "%SOURCE" } else { "%PATCH" };
                self.expand_into(&format!("{prefix}{arg}"), out);
            }
            Builtin::Basename => out.push_str(arg.rsplit('/').next().unwrap_or(arg)),
            Builtin::Dirname => out.push_str(arg.rfind('/').map_or(arg, |i| &arg[..i])),
            Builtin::Shrink => {
                out.push_str(&arg.split_ascii_whitespace().collect::<Vec<_>>().join(" "))
            }
            Builtin::Quote => {
                // rpm wraps each argument in unit separators, which `split_quoted` honours.
                let quoted: Vec<String> =
                    args[1..].iter().map(|a| format!("\x1f{a}\x1f")).collect();
                out.push_str(&quoted.join(" "));
            }
            Builtin::Suffix => {
                if let Some(i) = arg.rfind('.') {
                    out.push_str(&arg[i + 1..]);
                }
            }
            Builtin::Expr => match expr::evaluate(arg, None) {
                Ok(value) => out.push_str(&value.render()),
                Err(err) => self.error(format!("{err}: {arg}")),
            },
            Builtin::Url2path => {
                // rpm's urlPath: the path of a URL, the argument itself otherwise.
                let path = match arg.find("://") {
                    Some(i) => arg[i + 3..].find('/').map_or("", |j| &arg[i + 3 + j..]),
                    None => arg,
                };
                out.push_str(if path.is_empty() { "/" } else { path });
            }
            // The environment and the file system are not the spec's: a reader on any machine answers the same.
            Builtin::Getenv | Builtin::Dump | Builtin::Trace => {}
            Builtin::Getconfdir => out.push_str("/usr/lib/rpm"),
            Builtin::Getncpus => out.push('1'),
            Builtin::Exists => out.push('0'),
            Builtin::Rpmversion => out.push_str("4.18.2"),
            // Not verbose: `%verbose` is 0 and `%{verbose:TEXT}` nothing.
            Builtin::Verbose => {
                if parsed || args.len() < 2 {
                    out.push('0');
                }
            }
            Builtin::Define | Builtin::Global => {
                let global = func == Builtin::Global;
                let level = if global { LEVEL_GLOBAL } else { self.level };
                return self.do_define(arg, level, global, parsed);
            }
            Builtin::Undefine => {
                if self.valid_name(arg, "%undefine") {
                    self.undefine(arg);
                }
            }
            Builtin::Dnl => {
                if parsed {
                    return memchr::memchr(b'\n', arg.as_bytes()).map_or(arg.len(), |i| i + 1);
                }
            }
            Builtin::Echo | Builtin::Warn => self.warning(format!("%{name}: {arg}")),
            Builtin::Error => self.error(format!("%{{error:{arg}}}")),
            Builtin::Expand => {
                if !arg.is_empty() {
                    self.expand_into(arg, out);
                }
            }
            Builtin::Load => self.error(format!("failed to load macro file {arg}")),
            Builtin::Lua => {
                let script: String = arg.trim().chars().take(60).collect();
                self.warning(format!("Lua not evaluated: %{{lua:{script}...}}"));
            }
            Builtin::Macrobody => match self.lookup(arg) {
                Some(definition) => match &definition.body {
                    Body::Text(text) | Body::Literal(text) => out.push_str(text),
                    _ => {}
                },
                None => self.error(format!("no such macro: '{arg}'")),
            },
            Builtin::Shescape => {
                out.push('\'');
                out.push_str(&arg.replace('\'', "'\\''"));
                out.push('\'');
            }
            Builtin::Uncompress => out.push_str(arg),
        }
        0
    }
}

impl Macros {
    /// rpm's `validName`: at least an initial letter (or `_` and one more character), and not a built-in.
    fn valid_name(&mut self, name: &str, action: &str) -> bool {
        let bytes = name.as_bytes();
        let ok = match bytes.first() {
            Some(c) if c.is_ascii_alphabetic() => true,
            Some(b'_') => bytes.len() > 1,
            _ => false,
        };
        if !ok {
            self.error(format!("Macro %{name} has illegal name ({action})"));
            return false;
        }
        let builtin = self
            .table
            .get(name)
            .and_then(|stack| stack.last())
            .is_some_and(|d| d.automatic || matches!(d.body, Body::Builtin { .. }));
        if builtin {
            self.error(format!("Macro %{name} is a built-in ({action})"));
            return false;
        }
        true
    }

    /// rpm's `doDefine`: "NAME[(OPTS)] BODY". With `parsed`, `text` is the rest of the line after `%define`, the body
    /// ends at the end of the line (or of a `{...}` group) and the length consumed is returned.
    fn do_define(&mut self, text: &str, level: i32, expand_body: bool, parsed: bool) -> usize {
        let bytes = text.as_bytes();
        let mut s = skip_blank(bytes, 0);
        let name_start = s;
        while s < bytes.len() && (bytes[s].is_ascii_alphanumeric() || bytes[s] == b'_') {
            s += 1;
        }
        let name = &text[name_start..s];
        let mut opts = None;
        if bytes.get(s) == Some(&b'(') {
            match memchr::memchr(b')', &bytes[s..]) {
                Some(close) => {
                    opts = Some(text[s + 1..s + close].to_string());
                    s += close + 1;
                }
                None => {
                    self.error(format!("Macro %{name} has unterminated opts"));
                    return if parsed { text.len() } else { 0 };
                }
            }
        }
        let sbody = s;
        s = skip_blank(bytes, s);
        let body: String;
        if !parsed {
            body = text[s..].to_string();
            s = text.len();
        } else if bytes.get(s) == Some(&b'{') {
            match match_char(bytes, s, b'{', b'}') {
                Some(end) => {
                    body = text[s + 1..end - 1].to_string();
                    s = end;
                }
                None => {
                    self.error(format!("Macro %{name} has unterminated body"));
                    return text.len();
                }
            }
        } else {
            let (free, end, balanced) = free_field_body(text, s);
            if !balanced {
                self.error(format!("Macro %{name} has unterminated body"));
                return end;
            }
            body = free;
            s = end;
        }
        while matches!(bytes.get(s), Some(b'\n' | b'\r')) {
            s += 1;
        }
        let consumed = if parsed { s } else { 0 };
        if !self.valid_name(name, if expand_body { "%global" } else { "%define" }) {
            return consumed;
        }
        if body.is_empty() {
            self.error(format!("Macro %{name} has empty body"));
            return consumed;
        }
        let blank_before = match bytes.get(sbody) {
            Some(b' ' | b'\t') | None => true,
            Some(b'\\') => matches!(bytes.get(sbody + 1), Some(b'\n' | b'\r')),
            _ => false,
        };
        if !blank_before {
            self.warning(format!("Macro %{name} needs whitespace before body"));
        }
        let body = if expand_body {
            let saved = std::mem::take(&mut self.failed);
            let expanded = self.expand(&body);
            let failed = self.failed;
            self.failed = saved;
            if failed {
                self.error(format!("Macro %{name} failed to expand"));
                return consumed;
            }
            expanded
        } else {
            body
        };
        let name = name.to_string();
        self.push_definition(&name, opts, Body::Text(body), level, false);
        consumed
    }
}

fn skip_blank(bytes: &[u8], mut i: usize) -> usize {
    while matches!(bytes.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    i
}

/// The free-field body of `%define NAME BODY`: to the end of the line, across newlines inside `%{...}`, `%(...)`
/// and `%[...]`; a backslash keeps the next character (a backslash-newline continues the body). Trailing blanks
/// are trimmed. Returns the body, where it ended, and whether its groups were balanced.
fn free_field_body(text: &str, start: usize) -> (String, usize, bool) {
    let bytes = text.as_bytes();
    let mut body: Vec<u8> = Vec::new();
    let mut groups = Groups::default();
    let mut s = start;
    while s < bytes.len() && (groups.open() || !matches!(bytes[s], b'\n' | b'\r')) {
        if bytes[s] == b'\\' && s + 1 < bytes.len() {
            body.push(bytes[s + 1]);
            s += 2;
            continue;
        }
        let n = groups.advance(bytes, s);
        body.extend_from_slice(&bytes[s..s + n]);
        s += n;
    }
    while matches!(body.last(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        body.pop();
    }
    // Only ASCII bytes were dropped, so the body is still UTF-8.
    (
        String::from_utf8_lossy(&body).into_owned(),
        s,
        !groups.open(),
    )
}

/// The `%{`, `%(` and `%[` groups open while rpm reads a line or a macro body (inside one, a plain `{`, `(` or
/// `[` opens another level of the same kind).
#[derive(Default)]
pub(crate) struct Groups {
    braces: usize,
    parens: usize,
    brackets: usize,
}

impl Groups {
    /// Accounts for the byte at `i` (and the next, for `%{`, `%(`, `%[` and `%%`); returns how many were read.
    pub(crate) fn advance(&mut self, bytes: &[u8], i: usize) -> usize {
        match (bytes[i], bytes.get(i + 1)) {
            (b'%', Some(b'{')) => self.braces += 1,
            (b'%', Some(b'(')) => self.parens += 1,
            (b'%', Some(b'[')) => self.brackets += 1,
            (b'%', Some(b'%')) => {}
            (b'{', _) if self.braces > 0 => {
                self.braces += 1;
                return 1;
            }
            (b'}', _) if self.braces > 0 => {
                self.braces -= 1;
                return 1;
            }
            (b'(', _) if self.parens > 0 => {
                self.parens += 1;
                return 1;
            }
            (b')', _) if self.parens > 0 => {
                self.parens -= 1;
                return 1;
            }
            (b'[', _) if self.brackets > 0 => {
                self.brackets += 1;
                return 1;
            }
            (b']', _) if self.brackets > 0 => {
                self.brackets -= 1;
                return 1;
            }
            _ => return 1,
        }
        2
    }

    pub(crate) fn open(&self) -> bool {
        self.braces > 0 || self.parens > 0 || self.brackets > 0
    }
}

/// rpm's `setNegateAndCheck`: the `?` and `!` flags before a name.
fn negate_and_check(bytes: &[u8], mut i: usize) -> (usize, bool, bool) {
    let (mut negate, mut check) = (false, false);
    while let Some(&c) = bytes.get(i) {
        match c {
            b'!' => negate = !negate,
            b'?' => check = true,
            _ => break,
        }
        i += 1;
    }
    (i, negate, check)
}

/// rpm's `matchchar`: the position after the `close` that balances the `open` at `start` (backslash escapes
/// skipped).
pub(crate) fn match_char(bytes: &[u8], start: usize, open: u8, close: u8) -> Option<usize> {
    let mut level = 0i32;
    let mut i = start;
    while i < bytes.len() {
        let c = bytes[i];
        i += 1;
        if c == b'\\' {
            i += 1;
            continue;
        }
        if c == close {
            level -= 1;
            if level <= 0 {
                return Some(i);
            }
        } else if c == open {
            level += 1;
        }
    }
    None
}

/// rpm's `findMacroEnd`: where the macro call starting at `i` (just after its `%`) ends.
pub(crate) fn find_macro_end(bytes: &[u8], mut i: usize) -> Option<usize> {
    match bytes.get(i) {
        Some(b'(') => return match_char(bytes, i, b'(', b')'),
        Some(b'{') => return match_char(bytes, i, b'{', b'}'),
        Some(b'[') => return match_char(bytes, i, b'[', b']'),
        _ => {}
    }
    while matches!(bytes.get(i), Some(b'?' | b'!')) {
        i += 1;
    }
    if bytes.get(i) == Some(&b'-') {
        i += 1;
    }
    while bytes
        .get(i)
        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
    {
        i += 1;
    }
    if bytes.get(i) == Some(&b'*') && bytes.get(i + 1) == Some(&b'*') {
        i += 2;
    } else if matches!(bytes.get(i), Some(b'*' | b'#')) {
        i += 1;
    }
    Some(i)
}

/// rpm's `splitQuoted`: words separated by blanks; text between unit separators (from `%{quote:...}`) is one
/// word, kept even when empty.
fn split_quoted(text: &str, args: &mut Vec<String>) {
    const QUOTE: char = '\x1f';
    let mut word = String::new();
    let mut quoted = false;
    let mut had_quote = false;
    for c in text.chars() {
        if c == QUOTE {
            quoted = !quoted;
            had_quote = true;
        } else if !quoted && (c == ' ' || c == '\t') {
            if !word.is_empty() || had_quote {
                args.push(std::mem::take(&mut word));
            }
            had_quote = false;
        } else {
            word.push(c);
        }
    }
    if !word.is_empty() || had_quote {
        args.push(word);
    }
}

/// glibc `getopt` as rpm's `rgetopt` calls it: options may follow arguments (they are permuted), `--` ends them,
/// `x:` takes an argument (attached or the next word), `x::` an optional attached one. The error names the
/// unknown option, or the option whose argument is missing.
/// Options given (with their values) and positional arguments.
type Parsed = (Vec<(char, Option<String>)>, Vec<String>);

fn getopt(args: &[String], opts: &str) -> Result<Parsed, char> {
    if opts == "-" {
        return Ok((Vec::new(), args.to_vec()));
    }
    let spec = opts.trim_start_matches(['+', '-']);
    let takes = |c: char| -> Option<usize> {
        let i = spec.find(c)?;
        let rest = &spec[i + c.len_utf8()..];
        Some(if rest.starts_with("::") {
            2
        } else if rest.starts_with(':') {
            1
        } else {
            0
        })
    };
    let mut options = Vec::new();
    let mut positional = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        if arg == "--" {
            positional.extend(args[i..].iter().cloned());
            break;
        }
        if !arg.starts_with('-') || arg.len() == 1 {
            positional.push(arg.clone());
            continue;
        }
        let cluster: Vec<char> = arg[1..].chars().collect();
        let mut j = 0;
        while j < cluster.len() {
            let c = cluster[j];
            j += 1;
            match takes(c) {
                None if c != ':' => return Err(c),
                None => return Err(c),
                Some(0) => options.push((c, None)),
                Some(kind) => {
                    let attached: String = cluster[j..].iter().collect();
                    if !attached.is_empty() {
                        options.push((c, Some(attached)));
                    } else if kind == 1 {
                        match args.get(i) {
                            Some(next) => {
                                options.push((c, Some(next.clone())));
                                i += 1;
                            }
                            None => return Err(c),
                        }
                    } else {
                        options.push((c, None));
                    }
                    break;
                }
            }
        }
    }
    Ok((options, positional))
}
