//! The parser: text/template/parse's `parse.go` (recursive descent over the lexer's items) to
//! a small AST whose `Display` is Go's `Node.String` (error messages quote it).

use std::fmt;

use crate::template::format::{go_quote, go_unquote, go_unquote_char};
use crate::template::lex::{lex, Item, ItemKind};
use crate::template::{with_stack, TemplateError};

/// A parsed template.
#[derive(Debug)]
pub struct Template {
    pub(crate) name: String,
    pub(crate) text: String,
    pub(crate) root: Vec<Node>,
}

/// The functions templates may call: Go's builtins and go list's `join`.
pub(crate) const FUNCTIONS: &[&str] = &[
    "and", "or", "not", "len", "index", "print", "printf", "println", "eq", "ne", "lt", "le", "gt",
    "ge", "html", "urlquery", "join",
];

/// Functions Go (or go list) defines that gofed does not implement.
const UNSUPPORTED_FUNCTIONS: &[&str] = &["call", "js", "slice", "context", "module"];

/// Nesting limit of parenthesised pipelines, as Go's `maxStackDepth`.
const MAX_STACK_DEPTH: usize = 10_000;

#[derive(Debug)]
pub(crate) enum Node {
    Text(String),
    Action(Pipe),
    If(Branch),
    Range(Branch),
    With(Branch),
    Break,
    Continue,
}

#[derive(Debug)]
pub(crate) struct Branch {
    pub pos: usize,
    pub pipe: Pipe,
    pub list: Vec<Node>,
    pub else_list: Option<Vec<Node>>,
}

#[derive(Debug)]
pub(crate) struct Pipe {
    pub pos: usize,
    pub is_assign: bool,
    pub decl: Vec<String>,
    pub cmds: Vec<Command>,
}

#[derive(Debug)]
pub(crate) struct Command {
    pub pos: usize,
    pub args: Vec<Arg>,
}

/// A number literal: Go's ideal constant, an `int` unless its syntax makes it a float.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Number {
    Int(i64),
    Float(f64),
}

#[derive(Debug)]
pub(crate) enum Arg {
    /// `.A.B`.
    Field {
        pos: usize,
        idents: Vec<String>,
    },
    /// `(pipeline).A.B` (or another term followed by fields).
    Chain {
        pos: usize,
        node: Box<Arg>,
        fields: Vec<String>,
    },
    /// `$x.A.B`: `idents[0]` is the variable.
    Variable {
        pos: usize,
        idents: Vec<String>,
    },
    /// A function name.
    Identifier {
        pos: usize,
        name: String,
    },
    Dot {
        pos: usize,
    },
    Nil {
        pos: usize,
    },
    Bool {
        pos: usize,
        value: bool,
    },
    Number {
        pos: usize,
        text: String,
        value: Number,
    },
    String {
        pos: usize,
        quoted: String,
        text: String,
    },
    Pipe(Box<Pipe>),
}

impl Arg {
    pub(crate) fn pos(&self) -> usize {
        match self {
            Arg::Field { pos, .. }
            | Arg::Chain { pos, .. }
            | Arg::Variable { pos, .. }
            | Arg::Identifier { pos, .. }
            | Arg::Dot { pos }
            | Arg::Nil { pos }
            | Arg::Bool { pos, .. }
            | Arg::Number { pos, .. }
            | Arg::String { pos, .. } => *pos,
            Arg::Pipe(pipe) => pipe.pos,
        }
    }
}

impl fmt::Display for Arg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Arg::Field { idents, .. } => {
                for ident in idents {
                    write!(f, ".{ident}")?;
                }
                Ok(())
            }
            Arg::Chain { node, fields, .. } => {
                match node.as_ref() {
                    Arg::Pipe(pipe) => write!(f, "({pipe})")?,
                    other => write!(f, "{other}")?,
                }
                for field in fields {
                    write!(f, ".{field}")?;
                }
                Ok(())
            }
            Arg::Variable { idents, .. } => f.write_str(&idents.join(".")),
            Arg::Identifier { name, .. } => f.write_str(name),
            Arg::Dot { .. } => f.write_str("."),
            Arg::Nil { .. } => f.write_str("nil"),
            Arg::Bool { value, .. } => write!(f, "{value}"),
            Arg::Number { text, .. } => f.write_str(text),
            Arg::String { quoted, .. } => f.write_str(quoted),
            Arg::Pipe(pipe) => write!(f, "{pipe}"),
        }
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, arg) in self.args.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            match arg {
                Arg::Pipe(pipe) => write!(f, "({pipe})")?,
                other => write!(f, "{other}")?,
            }
        }
        Ok(())
    }
}

impl fmt::Display for Pipe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        with_stack(|| self.write_to(f))
    }
}

impl Pipe {
    fn write_to(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.decl.is_empty() {
            f.write_str(&self.decl.join(", "))?;
            f.write_str(if self.is_assign { " = " } else { " := " })?;
        }
        for (i, cmd) in self.cmds.iter().enumerate() {
            if i > 0 {
                f.write_str(" | ")?;
            }
            write!(f, "{cmd}")?;
        }
        Ok(())
    }
}

fn write_list(f: &mut fmt::Formatter<'_>, list: &[Node]) -> fmt::Result {
    list.iter().try_for_each(|node| write!(f, "{node}"))
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        with_stack(|| self.write_to(f))
    }
}

impl Node {
    fn write_to(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (keyword, branch) = match self {
            Node::Text(text) => return write!(f, "{}", go_quote(text)),
            Node::Action(pipe) => return write!(f, "{{{{{pipe}}}}}"),
            Node::Break => return f.write_str("{{break}}"),
            Node::Continue => return f.write_str("{{continue}}"),
            Node::If(branch) => ("if", branch),
            Node::Range(branch) => ("range", branch),
            Node::With(branch) => ("with", branch),
        };
        write!(f, "{{{{{keyword} {}}}}}", branch.pipe)?;
        write_list(f, &branch.list)?;
        if let Some(else_list) = &branch.else_list {
            f.write_str("{{else}}")?;
            write_list(f, else_list)?;
        }
        f.write_str("{{end}}")
    }
}

// A deeply nested tree dropped recursively could overflow the stack (Go nests `{{if}}`s
// without a limit): children are moved to a work list and dropped one level at a time.
impl Drop for Branch {
    fn drop(&mut self) {
        let mut work: Vec<Node> = std::mem::take(&mut self.list);
        work.extend(self.else_list.take().into_iter().flatten());
        while let Some(mut node) = work.pop() {
            if let Node::If(branch) | Node::Range(branch) | Node::With(branch) = &mut node {
                work.append(&mut branch.list);
                work.extend(branch.else_list.take().into_iter().flatten());
            }
        }
    }
}

impl Drop for Pipe {
    fn drop(&mut self) {
        let mut work: Vec<Arg> = self.cmds.drain(..).flat_map(|cmd| cmd.args).collect();
        while let Some(mut arg) = work.pop() {
            match &mut arg {
                Arg::Pipe(pipe) => work.extend(pipe.cmds.drain(..).flat_map(|cmd| cmd.args)),
                Arg::Chain { node, .. } => {
                    work.push(std::mem::replace(node.as_mut(), Arg::Dot { pos: 0 }));
                }
                _ => {}
            }
        }
    }
}

/// What ended an item list.
enum ListEnd {
    End,
    Else,
}

impl Template {
    /// Parses `text` as the template called `name` (`go list` calls it `main`).
    pub fn parse(name: &str, text: &str) -> Result<Template, TemplateError> {
        let mut parser = Parser {
            name,
            items: lex(text),
            idx: 0,
            last_line: 1,
            vars: vec!["$".to_owned()],
            range_depth: 0,
            stack_depth: 0,
            action_line: 0,
        };
        let root = parser.parse_root()?;
        Ok(Template {
            name: name.to_owned(),
            text: text.to_owned(),
            root,
        })
    }
}

struct Parser<'a> {
    name: &'a str,
    items: Vec<Item>,
    idx: usize,
    /// Line of the last item read, for messages (Go's `t.token[0].line`).
    last_line: usize,
    vars: Vec<String>,
    range_depth: usize,
    stack_depth: usize,
    action_line: usize,
}

type PResult<T> = Result<T, TemplateError>;

impl Parser<'_> {
    fn error<T>(&self, message: impl fmt::Display) -> PResult<T> {
        Err(TemplateError(format!(
            "template: {}:{}: {message}",
            self.name, self.last_line
        )))
    }

    fn next(&mut self) -> Item {
        let item = match self.items.get(self.idx) {
            Some(item) => item.clone(),
            None => self.items.last().cloned().unwrap_or(Item {
                kind: ItemKind::Eof,
                pos: 0,
                val: String::new(),
                line: 1,
            }),
        };
        if self.idx < self.items.len() {
            self.idx += 1;
        }
        self.last_line = item.line;
        item
    }

    fn backup(&mut self) {
        self.idx = self.idx.saturating_sub(1);
    }

    fn peek(&mut self) -> Item {
        let item = self.next();
        self.backup();
        item
    }

    fn next_non_space(&mut self) -> Item {
        loop {
            let item = self.next();
            if item.kind != ItemKind::Space {
                return item;
            }
        }
    }

    fn peek_non_space(&mut self) -> Item {
        let item = self.next_non_space();
        self.backup();
        item
    }

    fn unexpected<T>(&self, item: &Item, context: &str) -> PResult<T> {
        if item.kind == ItemKind::Error {
            let mut extra = String::new();
            if self.action_line != 0 && self.action_line != item.line {
                extra = format!(" in action started at {}:{}", self.name, self.action_line);
                if item.val.ends_with(" action") {
                    extra = extra[" in action".len()..].to_owned();
                }
            }
            return self.error(format!("{item}{extra}"));
        }
        self.error(format!("unexpected {item} in {context}"))
    }

    fn expect(&mut self, kind: ItemKind, context: &str) -> PResult<Item> {
        let item = self.next_non_space();
        if item.kind != kind {
            return self.unexpected(&item, context);
        }
        Ok(item)
    }

    fn parse_root(&mut self) -> PResult<Vec<Node>> {
        let mut root = Vec::new();
        while self.peek().kind != ItemKind::Eof {
            if self.peek().kind == ItemKind::LeftDelim {
                let at_delim = self.idx;
                self.next();
                let after = self.next_non_space();
                self.idx = at_delim;
                if after.kind == ItemKind::Define {
                    return self.error("{{define}} is not supported by gofed");
                }
            }
            match self.text_or_action()? {
                Parsed::Node(node) => root.push(node),
                Parsed::End => return self.error("unexpected {{end}}"),
                Parsed::Else => return self.error("unexpected {{else}}"),
            }
        }
        Ok(root)
    }

    fn item_list(&mut self) -> PResult<(Vec<Node>, ListEnd)> {
        let mut list = Vec::new();
        while self.peek_non_space().kind != ItemKind::Eof {
            match self.text_or_action()? {
                Parsed::Node(node) => list.push(node),
                Parsed::End => return Ok((list, ListEnd::End)),
                Parsed::Else => return Ok((list, ListEnd::Else)),
            }
        }
        self.error("unexpected EOF")
    }

    fn text_or_action(&mut self) -> PResult<Parsed> {
        with_stack(|| self.text_or_action_inner())
    }

    fn text_or_action_inner(&mut self) -> PResult<Parsed> {
        let item = self.next_non_space();
        match item.kind {
            ItemKind::Text => Ok(Parsed::Node(Node::Text(item.val))),
            ItemKind::LeftDelim => {
                self.action_line = item.line;
                let res = self.action();
                self.action_line = 0;
                res
            }
            _ => self.unexpected(&item, "input"),
        }
    }

    fn action(&mut self) -> PResult<Parsed> {
        let item = self.next_non_space();
        match item.kind {
            ItemKind::Block | ItemKind::Template | ItemKind::Define => {
                return self.error(format!("{{{{{}}}}} is not supported by gofed", item.val))
            }
            ItemKind::Break | ItemKind::Continue => {
                let is_break = item.kind == ItemKind::Break;
                let context = if is_break {
                    "{{break}}"
                } else {
                    "{{continue}}"
                };
                let next = self.next_non_space();
                if next.kind != ItemKind::RightDelim {
                    return self.unexpected(&next, context);
                }
                if self.range_depth == 0 {
                    return self.error(format!("{context} outside {{{{range}}}}"));
                }
                return Ok(Parsed::Node(if is_break {
                    Node::Break
                } else {
                    Node::Continue
                }));
            }
            ItemKind::Else => {
                let peek = self.peek_non_space();
                if !matches!(peek.kind, ItemKind::If | ItemKind::With) {
                    self.expect(ItemKind::RightDelim, "else")?;
                }
                return Ok(Parsed::Else);
            }
            ItemKind::End => {
                self.expect(ItemKind::RightDelim, "end")?;
                return Ok(Parsed::End);
            }
            ItemKind::If => return Ok(Parsed::Node(Node::If(self.parse_control("if")?))),
            ItemKind::Range => return Ok(Parsed::Node(Node::Range(self.parse_control("range")?))),
            ItemKind::With => return Ok(Parsed::Node(Node::With(self.parse_control("with")?))),
            _ => {}
        }
        self.backup();
        // Variables declared here persist until the enclosing {{end}}.
        let pipe = self.pipeline("command", ItemKind::RightDelim)?;
        Ok(Parsed::Node(Node::Action(pipe)))
    }

    fn parse_control(&mut self, context: &str) -> PResult<Branch> {
        let n_vars = self.vars.len();
        let res = self.parse_control_inner(context);
        self.vars.truncate(n_vars);
        res
    }

    fn parse_control_inner(&mut self, context: &str) -> PResult<Branch> {
        let pipe = self.pipeline(context, ItemKind::RightDelim)?;
        if context == "range" {
            self.range_depth += 1;
        }
        let listed = self.item_list();
        if context == "range" {
            self.range_depth -= 1;
        }
        let (list, end) = listed?;
        let mut else_list = None;
        if let ListEnd::Else = end {
            // `{{else if ...}}` and `{{else with ...}}` nest a control in the else branch,
            // whose {{end}} closes both.
            let peek = self.peek();
            if context == "if" && peek.kind == ItemKind::If {
                self.next();
                else_list = Some(vec![Node::If(self.parse_control("if")?)]);
            } else if context == "with" && peek.kind == ItemKind::With {
                self.next();
                else_list = Some(vec![Node::With(self.parse_control("with")?)]);
            } else {
                let (list, end) = self.item_list()?;
                if let ListEnd::Else = end {
                    return self.error("expected end; found {{else}}");
                }
                else_list = Some(list);
            }
        }
        Ok(Branch {
            pos: pipe.pos,
            pipe,
            list,
            else_list,
        })
    }

    fn pipeline(&mut self, context: &str, end: ItemKind) -> PResult<Pipe> {
        let first = self.peek_non_space();
        let mut pipe = Pipe {
            pos: first.pos,
            is_assign: false,
            decl: Vec::new(),
            cmds: Vec::new(),
        };
        // Declarations or assignments: `$x :=`, `$x =`, `$i, $e :=` (range).
        loop {
            let v = self.peek_non_space();
            if v.kind != ItemKind::Variable {
                break;
            }
            let before = self.idx;
            self.next_non_space();
            let next = self.peek_non_space();
            match next.kind {
                ItemKind::Assign | ItemKind::Declare => {
                    pipe.is_assign = next.kind == ItemKind::Assign;
                    self.next_non_space();
                    pipe.decl.push(v.val.clone());
                    self.vars.push(v.val);
                    break;
                }
                ItemKind::Char if next.val == "," => {
                    self.next_non_space();
                    pipe.decl.push(v.val.clone());
                    self.vars.push(v.val);
                    if context == "range" && pipe.decl.len() < 2 {
                        match self.peek_non_space().kind {
                            ItemKind::Variable | ItemKind::RightDelim | ItemKind::RightParen => {
                                continue;
                            }
                            _ => return self.error("range can only initialize variables"),
                        }
                    }
                    return self.error(format!("too many declarations in {context}"));
                }
                _ => {
                    self.idx = before;
                    break;
                }
            }
        }
        loop {
            let item = self.next_non_space();
            match item.kind {
                kind if kind == end => {
                    self.check_pipeline(&pipe, context)?;
                    return Ok(pipe);
                }
                ItemKind::Bool
                | ItemKind::CharConstant
                | ItemKind::Complex
                | ItemKind::Dot
                | ItemKind::Field
                | ItemKind::Identifier
                | ItemKind::Number
                | ItemKind::Nil
                | ItemKind::RawString
                | ItemKind::String
                | ItemKind::Variable
                | ItemKind::LeftParen => {
                    self.backup();
                    let cmd = self.command()?;
                    pipe.cmds.push(cmd);
                }
                _ => return self.unexpected(&item, context),
            }
        }
    }

    fn check_pipeline(&self, pipe: &Pipe, context: &str) -> PResult<()> {
        if pipe.cmds.is_empty() {
            return self.error(format!("missing value for {context}"));
        }
        for (i, cmd) in pipe.cmds.iter().enumerate().skip(1) {
            if matches!(
                cmd.args.first(),
                Some(
                    Arg::Bool { .. }
                        | Arg::Dot { .. }
                        | Arg::Nil { .. }
                        | Arg::Number { .. }
                        | Arg::String { .. }
                )
            ) {
                return self.error(format!(
                    "non executable command in pipeline stage {}",
                    i + 1
                ));
            }
        }
        Ok(())
    }

    fn command(&mut self) -> PResult<Command> {
        let mut cmd = Command {
            pos: self.peek_non_space().pos,
            args: Vec::new(),
        };
        loop {
            self.peek_non_space();
            if let Some(operand) = self.operand()? {
                cmd.args.push(operand);
            }
            let item = self.next();
            match item.kind {
                ItemKind::Space => continue,
                ItemKind::RightDelim | ItemKind::RightParen => self.backup(),
                ItemKind::Pipe => {}
                _ => return self.unexpected(&item, "operand"),
            }
            break;
        }
        if cmd.args.is_empty() {
            return self.error("empty command");
        }
        Ok(cmd)
    }

    fn operand(&mut self) -> PResult<Option<Arg>> {
        let Some(node) = self.term()? else {
            return Ok(None);
        };
        if self.peek().kind != ItemKind::Field {
            return Ok(Some(node));
        }
        let chain_pos = self.peek().pos;
        let mut fields = Vec::new();
        while self.peek().kind == ItemKind::Field {
            let item = self.next();
            fields.push(item.val[1..].to_owned());
        }
        Ok(Some(match node {
            Arg::Field { mut idents, .. } => {
                idents.extend(fields);
                Arg::Field {
                    pos: chain_pos,
                    idents,
                }
            }
            Arg::Variable { mut idents, .. } => {
                idents.extend(fields);
                Arg::Variable {
                    pos: chain_pos,
                    idents,
                }
            }
            Arg::Bool { .. }
            | Arg::String { .. }
            | Arg::Number { .. }
            | Arg::Nil { .. }
            | Arg::Dot { .. } => {
                return self.error(format!(
                    "unexpected . after term {}",
                    go_quote(&node.to_string())
                ))
            }
            other => Arg::Chain {
                pos: chain_pos,
                node: Box::new(other),
                fields,
            },
        }))
    }

    fn term(&mut self) -> PResult<Option<Arg>> {
        let item = self.next_non_space();
        let pos = item.pos;
        Ok(Some(match item.kind {
            ItemKind::Identifier => {
                if UNSUPPORTED_FUNCTIONS.contains(&item.val.as_str()) {
                    return self.error(format!(
                        "function {} not supported by gofed",
                        go_quote(&item.val)
                    ));
                }
                if !FUNCTIONS.contains(&item.val.as_str()) {
                    return self.error(format!("function {} not defined", go_quote(&item.val)));
                }
                Arg::Identifier {
                    pos,
                    name: item.val,
                }
            }
            ItemKind::Dot => Arg::Dot { pos },
            ItemKind::Nil => Arg::Nil { pos },
            ItemKind::Variable => {
                if !self.vars.contains(&item.val) {
                    return self.error(format!("undefined variable {}", go_quote(&item.val)));
                }
                Arg::Variable {
                    pos,
                    idents: vec![item.val],
                }
            }
            ItemKind::Field => Arg::Field {
                pos,
                idents: vec![item.val[1..].to_owned()],
            },
            ItemKind::Bool => Arg::Bool {
                pos,
                value: item.val == "true",
            },
            ItemKind::CharConstant => {
                let value = match go_unquote_char(&item.val) {
                    Ok(c) => c,
                    Err(err) => return self.error(err),
                };
                Arg::Number {
                    pos,
                    text: item.val,
                    value: Number::Int(i64::from(u32::from(value))),
                }
            }
            ItemKind::Complex => return self.error("complex numbers are not supported by gofed"),
            ItemKind::Number => {
                let value = match parse_number(&item.val) {
                    Ok(value) => value,
                    Err(err) => return self.error(err),
                };
                Arg::Number {
                    pos,
                    text: item.val,
                    value,
                }
            }
            ItemKind::LeftParen => {
                if self.stack_depth >= MAX_STACK_DEPTH {
                    return self.error("max expression depth exceeded");
                }
                self.stack_depth += 1;
                let pipe =
                    with_stack(|| self.pipeline("parenthesized pipeline", ItemKind::RightParen));
                self.stack_depth -= 1;
                Arg::Pipe(Box::new(pipe?))
            }
            ItemKind::String | ItemKind::RawString => {
                let text = match go_unquote(&item.val) {
                    Ok(text) => text,
                    Err(err) => return self.error(err),
                };
                Arg::String {
                    pos,
                    quoted: item.val,
                    text,
                }
            }
            _ => {
                self.backup();
                return Ok(None);
            }
        }))
    }
}

enum Parsed {
    Node(Node),
    End,
    Else,
}

/// Go's `newNumber` for the cases templates meet: integers in any base (an `int` constant
/// unless the syntax says float), floats, and Go's messages otherwise.
fn parse_number(text: &str) -> Result<Number, String> {
    if text.ends_with('i') {
        return Err("complex numbers are not supported by gofed".to_owned());
    }
    if let Some(i) = parse_go_int(text) {
        return Ok(Number::Int(i));
    }
    let is_hex = text.trim_start_matches(['+', '-']).starts_with("0x")
        || text.trim_start_matches(['+', '-']).starts_with("0X");
    if !is_hex && text.contains(['.', 'e', 'E']) {
        let clean: String = text.chars().filter(|&c| c != '_').collect();
        if let Ok(f) = clean.parse::<f64>() {
            return Ok(Number::Float(f));
        }
    }
    if !text.contains(['.', 'e', 'E', 'p', 'P']) && text.chars().any(|c| c.is_ascii_digit()) {
        let digits = text.trim_start_matches(['+', '-']);
        if digits
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !digits.is_empty()
        {
            // A well-formed integer that does not fit.
            if parse_go_uint(digits).is_some() || digits.chars().all(|c| c.is_ascii_digit()) {
                return Err(format!("integer overflow: {}", go_quote(text)));
            }
        }
    }
    Err(format!("illegal number syntax: {}", go_quote(text)))
}

/// strconv.ParseInt(text, 0, 64).
fn parse_go_int(text: &str) -> Option<i64> {
    let (negative, digits) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let magnitude = parse_go_uint(digits)?;
    if negative {
        if magnitude == 1 << 63 {
            return Some(i64::MIN);
        }
        i64::try_from(magnitude).ok().map(|m| -m)
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// strconv.ParseUint(text, 0, 64): base prefixes, and underscores between digits.
fn parse_go_uint(text: &str) -> Option<u64> {
    let lower = text.to_ascii_lowercase();
    let (radix, digits) = if let Some(rest) = lower.strip_prefix("0x") {
        (16, rest)
    } else if let Some(rest) = lower.strip_prefix("0o") {
        (8, rest)
    } else if let Some(rest) = lower.strip_prefix("0b") {
        (2, rest)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    if digits.ends_with('_') || digits.contains("__") || radix == 10 && digits.starts_with('_') {
        return None;
    }
    let clean = digits.replace('_', "");
    if clean.is_empty() {
        return None;
    }
    u64::from_str_radix(&clean, radix).ok()
}
