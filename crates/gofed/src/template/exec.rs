//! The evaluator: text/template's `exec.go` and `funcs.go` over typed JSON values.

use std::borrow::Cow;
use std::fmt;

use serde_json::Value as Json;

use crate::template::format::{go_quote, sprint, sprint_action, sprint_value, sprintf, sprintln};
use crate::template::parse::{Arg, Branch, Command, Node, Number, Pipe, Template};
use crate::template::{with_stack, TemplateError, Ty};

/// A value during execution: Go's `reflect.Value`, either invalid (no value: a missing map
/// key, an untyped nil) or a JSON value with its Go type.
#[derive(Clone, Debug)]
pub(crate) enum Val<'d> {
    Invalid,
    Typed(Cow<'d, Json>, Ty),
}

impl<'d> Val<'d> {
    fn string(s: String) -> Val<'d> {
        Val::Typed(Cow::Owned(Json::String(s)), Ty::String)
    }

    fn bool(b: bool) -> Val<'d> {
        Val::Typed(Cow::Owned(Json::Bool(b)), Ty::Bool)
    }

    fn int(i: i64) -> Val<'d> {
        Val::Typed(Cow::Owned(Json::from(i)), Ty::Int)
    }

    fn float(f: f64) -> Val<'d> {
        Val::Typed(Cow::Owned(Json::from(f)), Ty::Float)
    }

    fn type_name(&self) -> String {
        match self {
            Val::Invalid => "<nil>".to_owned(),
            Val::Typed(_, ty) => ty.go_name(),
        }
    }
}

impl fmt::Display for Val<'_> {
    /// `%v`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Val::Invalid => f.write_str("<invalid reflect.Value>"),
            Val::Typed(json, ty) => {
                let mut out = String::new();
                sprint_value(&mut out, json, *ty);
                f.write_str(&out)
            }
        }
    }
}

/// Executes `tmpl` on `data` (a value of Go type `ty`), appending the output to `out`. On an
/// error, `out` holds what was written before it, as Go's writer would.
pub fn execute(
    tmpl: &Template,
    data: &Json,
    ty: Ty,
    out: &mut String,
) -> Result<(), TemplateError> {
    let dot = Val::Typed(Cow::Borrowed(data), ty);
    let mut state = State {
        tmpl,
        out,
        vars: vec![("$".to_owned(), dot.clone())],
        at: None,
    };
    match state.walk_list(&dot, &tmpl.root) {
        Ok(()) => Ok(()),
        Err(Stop::Error(message)) => Err(TemplateError(message)),
        // The parser allows {{break}} and {{continue}} only inside {{range}}.
        Err(Stop::Break | Stop::Continue) => Ok(()),
    }
}

/// Why evaluation stopped early.
enum Stop {
    Error(String),
    Break,
    Continue,
}

type EResult<T> = Result<T, Stop>;

/// The node being evaluated, for error messages (Go's `state.at`).
#[derive(Clone, Copy)]
enum At<'t> {
    Node(&'t Node),
    Pipe(&'t Pipe),
    Cmd(&'t Command),
    Arg(&'t Arg),
}

impl At<'_> {
    fn pos(&self) -> usize {
        match self {
            At::Node(Node::Action(pipe)) => pipe.pos,
            At::Node(Node::If(b) | Node::Range(b) | Node::With(b)) => b.pos,
            At::Node(_) => 0,
            At::Pipe(pipe) => pipe.pos,
            At::Cmd(cmd) => cmd.pos,
            At::Arg(arg) => arg.pos(),
        }
    }

    fn context(&self) -> String {
        match self {
            At::Node(node) => node.to_string(),
            At::Pipe(pipe) => pipe.to_string(),
            At::Cmd(cmd) => cmd.to_string(),
            At::Arg(arg) => arg.to_string(),
        }
    }
}

/// The type a function parameter wants.
#[derive(Clone, Copy)]
enum Param {
    /// `any` or `reflect.Value`.
    Any,
    /// `string`.
    Str,
    /// `[]string`.
    StrSlice,
}

/// A builtin's parameters: the fixed ones, and the type of the variadic ones, if any.
fn signature(name: &str) -> (&'static [Param], Option<Param>) {
    use Param::{Any, Str, StrSlice};
    match name {
        "and" | "or" | "index" | "eq" => (&[Any], Some(Any)),
        "not" | "len" => (&[Any], None),
        "ne" | "lt" | "le" | "gt" | "ge" => (&[Any, Any], None),
        "printf" => (&[Str], Some(Any)),
        "join" => (&[StrSlice, Str], None),
        // print, println, html, urlquery.
        _ => (&[], Some(Any)),
    }
}

struct State<'t, 'd, 'o> {
    tmpl: &'t Template,
    out: &'o mut String,
    vars: Vec<(String, Val<'d>)>,
    at: Option<At<'t>>,
}

fn child<'d>(json: Cow<'d, Json>, key: &str) -> Option<Cow<'d, Json>> {
    match json {
        Cow::Borrowed(json) => json.get(key).map(Cow::Borrowed),
        Cow::Owned(Json::Object(mut map)) => map.remove(key).map(Cow::Owned),
        Cow::Owned(_) => None,
    }
}

fn elements<'d>(json: &Cow<'d, Json>) -> Vec<Cow<'d, Json>> {
    match json {
        Cow::Borrowed(json) => json
            .as_array()
            .into_iter()
            .flatten()
            .map(Cow::Borrowed)
            .collect(),
        Cow::Owned(json) => json
            .as_array()
            .into_iter()
            .flatten()
            .map(|v| Cow::Owned(v.clone()))
            .collect(),
    }
}

fn entries<'d>(json: &Cow<'d, Json>) -> Vec<(String, Cow<'d, Json>)> {
    let mut out: Vec<(String, Cow<'d, Json>)> = match json {
        Cow::Borrowed(json) => json
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), Cow::Borrowed(v)))
            .collect(),
        Cow::Owned(json) => json
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), Cow::Owned(v.clone())))
            .collect(),
    };
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Go's truth: not the zero value of its type.
fn truth(v: &Val<'_>) -> bool {
    match v {
        Val::Invalid => false,
        Val::Typed(json, ty) => match ty {
            Ty::String => json.as_str().is_some_and(|s| !s.is_empty()),
            Ty::Bool => json.as_bool().unwrap_or(false),
            Ty::Int => json.as_i64().is_some_and(|i| i != 0),
            Ty::Float => json.as_f64().is_some_and(|f| f != 0.0),
            Ty::Slice(_) => json.as_array().is_some_and(|a| !a.is_empty()),
            Ty::Map(_) => json.as_object().is_some_and(|m| !m.is_empty()),
            Ty::Ptr(_) => !json.is_null(),
        },
    }
}

impl<'t, 'd> State<'t, 'd, '_> {
    fn error(&self, message: impl fmt::Display) -> Stop {
        let name = &self.tmpl.name;
        Stop::Error(match self.at {
            None => format!("template: {name}: {message}"),
            Some(at) => {
                let pos = at.pos().min(self.tmpl.text.len());
                let before = &self.tmpl.text[..pos];
                let line = 1 + before.matches('\n').count();
                let col = match before.rfind('\n') {
                    None => pos,
                    Some(nl) => pos - (nl + 1),
                };
                format!(
                    "template: {name}:{line}:{col}: executing {} at <{}>: {message}",
                    go_quote(name),
                    at.context()
                )
            }
        })
    }

    fn walk_list(&mut self, dot: &Val<'d>, list: &'t [Node]) -> EResult<()> {
        list.iter().try_for_each(|node| self.walk(dot, node))
    }

    fn walk(&mut self, dot: &Val<'d>, node: &'t Node) -> EResult<()> {
        with_stack(|| self.walk_node(dot, node))
    }

    fn walk_node(&mut self, dot: &Val<'d>, node: &'t Node) -> EResult<()> {
        self.at = Some(At::Node(node));
        match node {
            Node::Text(text) => {
                self.out.push_str(text);
                Ok(())
            }
            Node::Action(pipe) => {
                // Variables declared here persist until the enclosing {{end}}; a
                // declaration prints nothing.
                let val = self.eval_pipeline(dot, pipe)?;
                if pipe.decl.is_empty() {
                    self.at = Some(At::Node(node));
                    match &val {
                        Val::Invalid => self.out.push_str("<no value>"),
                        Val::Typed(json, ty) => sprint_action(self.out, json, *ty),
                    }
                }
                Ok(())
            }
            Node::If(branch) => self.walk_if_or_with(dot, branch, false),
            Node::With(branch) => self.walk_if_or_with(dot, branch, true),
            Node::Range(branch) => self.walk_range(dot, node, branch),
            Node::Break => Err(Stop::Break),
            Node::Continue => Err(Stop::Continue),
        }
    }

    fn walk_if_or_with(&mut self, dot: &Val<'d>, branch: &'t Branch, with: bool) -> EResult<()> {
        let mark = self.vars.len();
        let res = self.eval_pipeline(dot, &branch.pipe).and_then(|val| {
            if truth(&val) {
                let dot = if with { &val } else { dot };
                self.walk_list(dot, &branch.list)
            } else if let Some(else_list) = &branch.else_list {
                self.walk_list(dot, else_list)
            } else {
                Ok(())
            }
        });
        self.vars.truncate(mark);
        res
    }

    fn walk_range(&mut self, dot: &Val<'d>, node: &'t Node, branch: &'t Branch) -> EResult<()> {
        self.at = Some(At::Node(node));
        let mark = self.vars.len();
        let res = self.walk_range_inner(dot, branch);
        self.vars.truncate(mark);
        res
    }

    fn walk_range_inner(&mut self, dot: &Val<'d>, branch: &'t Branch) -> EResult<()> {
        let val = self.eval_pipeline(dot, &branch.pipe)?;
        let decl = &branch.pipe.decl;
        let items: Vec<(Val<'d>, Val<'d>)> = match &val {
            Val::Invalid => Vec::new(),
            Val::Typed(json, Ty::Slice(elem)) => elements(json)
                .into_iter()
                .enumerate()
                .map(|(i, v)| (Val::int(i as i64), Val::Typed(v, **elem)))
                .collect(),
            Val::Typed(json, Ty::Map(elem)) => entries(json)
                .into_iter()
                .map(|(k, v)| (Val::string(k), Val::Typed(v, **elem)))
                .collect(),
            Val::Typed(json, Ty::Int) => {
                if decl.len() > 1 {
                    return Err(self.error(format!(
                        "can't use {val} to iterate over more than one variable"
                    )));
                }
                (0..json.as_i64().unwrap_or(0))
                    .map(|i| (Val::Invalid, Val::int(i)))
                    .collect()
            }
            _ => return Err(self.error(format!("range can't iterate over {val}"))),
        };
        let inner_mark = self.vars.len();
        let ran = !items.is_empty();
        for (index, elem) in items {
            if !decl.is_empty() {
                if branch.pipe.is_assign {
                    let value = if decl.len() > 1 {
                        index.clone()
                    } else {
                        elem.clone()
                    };
                    self.set_var(&decl[0], value)?;
                } else {
                    self.set_top_var(1, elem.clone());
                }
            }
            if decl.len() > 1 {
                if branch.pipe.is_assign {
                    self.set_var(&decl[1], elem.clone())?;
                } else {
                    self.set_top_var(2, index);
                }
            }
            let res = self.walk_list(&elem, &branch.list);
            self.vars.truncate(inner_mark);
            match res {
                Ok(()) | Err(Stop::Continue) => {}
                Err(Stop::Break) => break,
                Err(err) => return Err(err),
            }
        }
        if !ran {
            if let Some(else_list) = &branch.else_list {
                self.walk_list(dot, else_list)?;
            }
        }
        Ok(())
    }

    fn set_top_var(&mut self, n: usize, value: Val<'d>) {
        let len = self.vars.len();
        if let Some(var) = len.checked_sub(n).and_then(|i| self.vars.get_mut(i)) {
            var.1 = value;
        }
    }

    fn set_var(&mut self, name: &str, value: Val<'d>) -> EResult<()> {
        match self.vars.iter_mut().rev().find(|(n, _)| n == name) {
            Some(var) => {
                var.1 = value;
                Ok(())
            }
            None => Err(self.error(format!("undefined variable: {name}"))),
        }
    }

    fn var_value(&self, name: &str) -> EResult<Val<'d>> {
        match self.vars.iter().rev().find(|(n, _)| n == name) {
            Some((_, value)) => Ok(value.clone()),
            None => Err(self.error(format!("undefined variable: {name}"))),
        }
    }

    fn eval_pipeline(&mut self, dot: &Val<'d>, pipe: &'t Pipe) -> EResult<Val<'d>> {
        with_stack(|| self.eval_pipeline_inner(dot, pipe))
    }

    fn eval_pipeline_inner(&mut self, dot: &Val<'d>, pipe: &'t Pipe) -> EResult<Val<'d>> {
        self.at = Some(At::Pipe(pipe));
        let mut value = None;
        for cmd in &pipe.cmds {
            // The previous command's value is this one's final argument.
            value = Some(self.eval_command(dot, cmd, value)?);
        }
        let value = value.unwrap_or(Val::Invalid);
        for name in &pipe.decl {
            if pipe.is_assign {
                self.set_var(name, value.clone())?;
            } else {
                self.vars.push((name.clone(), value.clone()));
            }
        }
        Ok(value)
    }

    fn not_a_function(&self, args: &[Arg], final_: &Option<Val<'d>>) -> EResult<()> {
        if args.len() > 1 || final_.is_some() {
            return Err(self.error(format!("can't give argument to non-function {}", args[0])));
        }
        Ok(())
    }

    fn eval_command(
        &mut self,
        dot: &Val<'d>,
        cmd: &'t Command,
        final_: Option<Val<'d>>,
    ) -> EResult<Val<'d>> {
        let first = &cmd.args[0];
        match first {
            Arg::Field { idents, .. } => {
                return self.eval_field_node(dot, first, idents, &cmd.args, final_)
            }
            Arg::Chain { node, fields, .. } => {
                return self.eval_chain_node(dot, first, node, fields, &cmd.args, final_)
            }
            Arg::Identifier { name, .. } => {
                return self.eval_function(dot, first, name, At::Cmd(cmd), &cmd.args[1..], final_)
            }
            Arg::Pipe(pipe) => {
                self.not_a_function(&cmd.args, &final_)?;
                return self.eval_pipeline(dot, pipe);
            }
            Arg::Variable { idents, .. } => {
                return self.eval_variable_node(dot, first, idents, &cmd.args, final_)
            }
            _ => {}
        }
        self.at = Some(At::Arg(first));
        self.not_a_function(&cmd.args, &final_)?;
        match first {
            Arg::Bool { value, .. } => Ok(Val::bool(*value)),
            Arg::Dot { .. } => Ok(dot.clone()),
            Arg::Nil { .. } => Err(self.error("nil is not a command")),
            Arg::Number { value, .. } => Ok(ideal_constant(*value)),
            Arg::String { text, .. } => Ok(Val::string(text.clone())),
            other => Err(self.error(format!(
                "can't evaluate command {}",
                go_quote(&other.to_string())
            ))),
        }
    }

    fn eval_field_node(
        &mut self,
        dot: &Val<'d>,
        node: &'t Arg,
        idents: &[String],
        args: &'t [Arg],
        final_: Option<Val<'d>>,
    ) -> EResult<Val<'d>> {
        self.at = Some(At::Arg(node));
        self.eval_field_chain(dot.clone(), idents, args, final_)
    }

    fn eval_chain_node(
        &mut self,
        dot: &Val<'d>,
        node: &'t Arg,
        inner: &'t Arg,
        fields: &[String],
        args: &'t [Arg],
        final_: Option<Val<'d>>,
    ) -> EResult<Val<'d>> {
        self.at = Some(At::Arg(node));
        if let Arg::Nil { .. } = inner {
            return Err(self.error(format!("indirection through explicit nil in {node}")));
        }
        // Errors along the chain name the inner node, as Go's (its evalArg moved `at`).
        let receiver = self.eval_arg(dot, Param::Any, inner)?;
        self.eval_field_chain(receiver, fields, args, final_)
    }

    fn eval_variable_node(
        &mut self,
        _dot: &Val<'d>,
        node: &'t Arg,
        idents: &[String],
        args: &'t [Arg],
        final_: Option<Val<'d>>,
    ) -> EResult<Val<'d>> {
        self.at = Some(At::Arg(node));
        let value = self.var_value(&idents[0])?;
        if idents.len() == 1 {
            self.not_a_function(args, &final_)?;
            return Ok(value);
        }
        self.eval_field_chain(value, &idents[1..], args, final_)
    }

    fn eval_field_chain(
        &mut self,
        mut receiver: Val<'d>,
        idents: &[String],
        args: &[Arg],
        final_: Option<Val<'d>>,
    ) -> EResult<Val<'d>> {
        let Some((last, init)) = idents.split_last() else {
            return Ok(receiver);
        };
        for ident in init {
            receiver = self.eval_field(ident, false, receiver)?;
        }
        let has_args = args.len() > 1 || final_.is_some();
        self.eval_field(last, has_args, receiver)
    }

    fn eval_field(&mut self, name: &str, has_args: bool, receiver: Val<'d>) -> EResult<Val<'d>> {
        let Val::Typed(json, ty) = receiver else {
            return Ok(Val::Invalid);
        };
        match ty {
            Ty::Ptr(strukt) => {
                if let Some(field_ty) = strukt.field(name) {
                    if json.is_null() {
                        return Err(
                            self.error(format!("nil pointer evaluating {}.{name}", ty.go_name()))
                        );
                    }
                    if has_args {
                        return Err(self.error(format!(
                            "{name} has arguments but cannot be invoked as function"
                        )));
                    }
                    let value = child(json, name).unwrap_or_else(|| Cow::Owned(field_ty.zero()));
                    return Ok(Val::Typed(value, field_ty));
                }
                if strukt.not_computed.contains(&name) {
                    return Err(self.error(format!(
                        "can't evaluate field {name} in type {}: gofed does not compute this field of go list",
                        ty.go_name()
                    )));
                }
            }
            Ty::Map(elem) => {
                if has_args {
                    return Err(self.error(format!("{name} is not a method but has arguments")));
                }
                return Ok(match child(json, name) {
                    Some(value) => Val::Typed(value, *elem),
                    None => Val::Invalid,
                });
            }
            _ => {}
        }
        Err(self.error(format!(
            "can't evaluate field {name} in type {}",
            ty.go_name()
        )))
    }

    fn eval_function(
        &mut self,
        dot: &Val<'d>,
        node: &'t Arg,
        name: &str,
        call_at: At<'t>,
        args: &'t [Arg],
        final_: Option<Val<'d>>,
    ) -> EResult<Val<'d>> {
        self.at = Some(At::Arg(node));
        let (fixed, variadic) = signature(name);
        let n_in = args.len() + usize::from(final_.is_some());
        if variadic.is_some() {
            if n_in < fixed.len() {
                return Err(self.error(format!(
                    "wrong number of args for {name}: want at least {} got {}",
                    fixed.len(),
                    args.len()
                )));
            }
        } else if n_in != fixed.len() {
            return Err(self.error(format!(
                "wrong number of args for {name}: want {} got {n_in}",
                fixed.len()
            )));
        }
        let param_at = |i: usize| fixed.get(i).copied().or(variadic).unwrap_or(Param::Any);

        // `and` and `or` evaluate their arguments only until the result is known.
        if name == "and" || name == "or" {
            let mut value = Val::Invalid;
            for arg in args {
                value = self.eval_arg(dot, Param::Any, arg)?;
                if truth(&value) == (name == "or") {
                    return Ok(value);
                }
            }
            if let Some(final_) = final_ {
                value = final_;
            }
            return Ok(value);
        }

        let mut argv = Vec::with_capacity(n_in);
        for (i, arg) in args.iter().enumerate() {
            argv.push(self.eval_arg(dot, param_at(i), arg)?);
        }
        if let Some(final_) = final_ {
            argv.push(self.validate(final_, param_at(n_in - 1))?);
        }
        match call_builtin(name, argv) {
            Ok(value) => Ok(value),
            Err(message) => {
                self.at = Some(call_at);
                Err(self.error(format!("error calling {name}: {message}")))
            }
        }
    }

    fn eval_arg(&mut self, dot: &Val<'d>, param: Param, arg: &'t Arg) -> EResult<Val<'d>> {
        self.at = Some(At::Arg(arg));
        let value = match arg {
            Arg::Dot { .. } => dot.clone(),
            Arg::Nil { .. } => {
                return match param {
                    Param::Any => Ok(Val::Invalid),
                    Param::StrSlice => Ok(empty_string_slice()),
                    Param::Str => Err(self.error("cannot assign nil to string")),
                }
            }
            Arg::Field { idents, .. } => self.eval_field_node(dot, arg, idents, &[], None)?,
            Arg::Variable { idents, .. } => self.eval_variable_node(dot, arg, idents, &[], None)?,
            Arg::Pipe(pipe) => self.eval_pipeline(dot, pipe)?,
            Arg::Identifier { name, .. } => {
                self.eval_function(dot, arg, name, At::Arg(arg), &[], None)?
            }
            Arg::Chain { node, fields, .. } => {
                self.eval_chain_node(dot, arg, node, fields, &[], None)?
            }
            Arg::Bool { value, .. } => match param {
                Param::Any => return Ok(Val::bool(*value)),
                Param::Str => return Err(self.error(format!("expected string; found {arg}"))),
                Param::StrSlice => return Err(self.cant_handle(arg)),
            },
            Arg::Number { value, .. } => match param {
                Param::Any => return Ok(ideal_constant(*value)),
                Param::Str => return Err(self.error(format!("expected string; found {arg}"))),
                Param::StrSlice => return Err(self.cant_handle(arg)),
            },
            Arg::String { text, .. } => match param {
                Param::Any | Param::Str => return Ok(Val::string(text.clone())),
                Param::StrSlice => return Err(self.cant_handle(arg)),
            },
        };
        self.at = Some(At::Arg(arg));
        self.validate(value, param)
    }

    fn cant_handle(&self, arg: &Arg) -> Stop {
        self.error(format!("can't handle {arg} for arg of type []string"))
    }

    /// Go's `validateType`: the value must be assignable to the parameter.
    fn validate(&self, value: Val<'d>, param: Param) -> EResult<Val<'d>> {
        match (param, &value) {
            (Param::Any, _) => Ok(value),
            (Param::Str, Val::Invalid) => Err(self.error("invalid value; expected string")),
            (Param::Str, Val::Typed(_, Ty::String)) => Ok(value),
            (Param::StrSlice, Val::Invalid) => Ok(empty_string_slice()),
            (Param::StrSlice, Val::Typed(_, Ty::Slice(Ty::String))) => Ok(value),
            (Param::Str | Param::StrSlice, Val::Typed(_, ty)) => {
                let want = match param {
                    Param::Str => "string",
                    _ => "[]string",
                };
                Err(self.error(format!(
                    "wrong type for value; expected {want}; got {}",
                    ty.go_name()
                )))
            }
        }
    }
}

fn empty_string_slice<'d>() -> Val<'d> {
    Val::Typed(Cow::Owned(Json::Array(Vec::new())), Ty::Slice(&Ty::String))
}

fn ideal_constant<'d>(number: Number) -> Val<'d> {
    match number {
        Number::Int(i) => Val::int(i),
        Number::Float(f) => Val::float(f),
    }
}

/// A builtin's result, or the error text Go's function returns.
fn call_builtin<'d>(name: &str, argv: Vec<Val<'d>>) -> Result<Val<'d>, String> {
    let arg = |i: usize| argv.get(i).cloned().unwrap_or(Val::Invalid);
    match name {
        "not" => Ok(Val::bool(!truth(&arg(0)))),
        "len" => length(&arg(0)).map(|n| Val::int(n as i64)),
        "index" => index(arg(0), &argv[1..]),
        "print" => Ok(Val::string(sprint(&argv))),
        "println" => Ok(Val::string(sprintln(&argv))),
        "printf" => {
            let format = match &argv[0] {
                Val::Typed(json, _) => json.as_str().unwrap_or_default().to_owned(),
                Val::Invalid => String::new(),
            };
            Ok(Val::string(sprintf(&format, &argv[1..])))
        }
        "join" => {
            let sep = match &argv[1] {
                Val::Typed(json, _) => json.as_str().unwrap_or_default().to_owned(),
                Val::Invalid => String::new(),
            };
            let elems: Vec<&str> = match &argv[0] {
                Val::Typed(json, _) => json
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Json::as_str)
                    .collect(),
                Val::Invalid => Vec::new(),
            };
            Ok(Val::string(elems.join(&sep)))
        }
        "html" => Ok(Val::string(html_escape(&eval_args(&argv)))),
        "urlquery" => Ok(Val::string(query_escape(&eval_args(&argv)))),
        "eq" => eq(&argv[0], &argv[1..]).map(Val::bool),
        "ne" => eq(&argv[0], &argv[1..2]).map(|b| Val::bool(!b)),
        "lt" => lt(&argv[0], &argv[1]).map(Val::bool),
        "le" => Ok(Val::bool(
            lt(&argv[0], &argv[1])? || eq(&argv[0], &argv[1..2])?,
        )),
        "gt" => Ok(Val::bool(
            !(lt(&argv[0], &argv[1])? || eq(&argv[0], &argv[1..2])?),
        )),
        "ge" => lt(&argv[0], &argv[1]).map(|b| Val::bool(!b)),
        other => Err(format!("function {} not defined", go_quote(other))),
    }
}

fn length(v: &Val<'_>) -> Result<usize, String> {
    match v {
        Val::Invalid => Err("reflect: call of reflect.Value.Type on zero Value".to_owned()),
        Val::Typed(json, ty) => match ty {
            Ty::String => Ok(json.as_str().map_or(0, str::len)),
            Ty::Slice(_) => Ok(json.as_array().map_or(0, Vec::len)),
            Ty::Map(_) => Ok(json.as_object().map_or(0, serde_json::Map::len)),
            Ty::Ptr(_) if json.is_null() => Err("len of nil pointer".to_owned()),
            Ty::Ptr(strukt) => Err(format!("len of type {}", strukt.name)),
            other => Err(format!("len of type {}", other.go_name())),
        },
    }
}

fn index<'d>(item: Val<'d>, indexes: &[Val<'d>]) -> Result<Val<'d>, String> {
    let Val::Typed(mut json, mut ty) = item else {
        return Err("index of untyped nil".to_owned());
    };
    for idx in indexes {
        match ty {
            Ty::Ptr(_) if json.is_null() => return Err("index of nil pointer".to_owned()),
            Ty::Slice(elem) => {
                let len = json.as_array().map_or(0, Vec::len);
                let i = index_arg(idx, len)?;
                json = elements(&json).swap_remove(i);
                ty = *elem;
            }
            Ty::String => {
                let s = json.as_str().unwrap_or_default();
                let i = index_arg(idx, s.len())?;
                json = Cow::Owned(Json::from(s.as_bytes()[i]));
                ty = Ty::Int;
            }
            Ty::Map(elem) => {
                let key = match idx {
                    Val::Invalid => String::new(),
                    Val::Typed(key, Ty::String) => key.as_str().unwrap_or_default().to_owned(),
                    Val::Typed(_, other) => {
                        return Err(format!(
                            "value has type {}; should be string",
                            other.go_name()
                        ))
                    }
                };
                json = child(json, &key).unwrap_or_else(|| Cow::Owned(elem.zero()));
                ty = *elem;
            }
            Ty::Ptr(strukt) => return Err(format!("can't index item of type {}", strukt.name)),
            other => return Err(format!("can't index item of type {}", other.go_name())),
        }
    }
    Ok(Val::Typed(json, ty))
}

fn index_arg(idx: &Val<'_>, len: usize) -> Result<usize, String> {
    let i = match idx {
        Val::Invalid => return Err("cannot index slice/array with nil".to_owned()),
        Val::Typed(json, Ty::Int) => json.as_i64().unwrap_or(0),
        Val::Typed(_, other) => {
            return Err(format!(
                "cannot index slice/array with type {}",
                other.go_name()
            ))
        }
    };
    match usize::try_from(i) {
        Ok(i) if i < len => Ok(i),
        _ => Err(format!("index out of range: {i}")),
    }
}

/// A comparable basic value.
#[derive(PartialEq, PartialOrd)]
enum Basic<'a> {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(&'a str),
}

fn basic<'a>(v: &'a Val<'_>) -> Option<Basic<'a>> {
    match v {
        Val::Typed(json, Ty::Bool) => Some(Basic::Bool(json.as_bool().unwrap_or(false))),
        Val::Typed(json, Ty::Int) => Some(Basic::Int(json.as_i64().unwrap_or(0))),
        Val::Typed(json, Ty::Float) => Some(Basic::Float(json.as_f64().unwrap_or(0.0))),
        Val::Typed(json, Ty::String) => Some(Basic::Str(json.as_str().unwrap_or_default())),
        _ => None,
    }
}

fn same_kind(a: &Basic<'_>, b: &Basic<'_>) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

fn is_nil(v: &Val<'_>) -> bool {
    match v {
        Val::Invalid => true,
        Val::Typed(json, Ty::Ptr(_)) => json.is_null(),
        Val::Typed(..) => false,
    }
}

fn eq(arg1: &Val<'_>, others: &[Val<'_>]) -> Result<bool, String> {
    if others.is_empty() {
        return Err("missing argument for comparison".to_owned());
    }
    let k1 = basic(arg1);
    for arg in others {
        let k2 = basic(arg);
        let truth = match (&k1, &k2) {
            (Some(a), Some(b)) if same_kind(a, b) => a == b,
            (None, None) => {
                if is_nil(arg1) || is_nil(arg) {
                    is_nil(arg1) == is_nil(arg)
                } else if let (Val::Typed(a, Ty::Ptr(_)), Val::Typed(b, Ty::Ptr(_))) = (arg1, arg) {
                    a == b
                } else {
                    return Err(format!("non-comparable type {arg}: {}", arg.type_name()));
                }
            }
            _ => {
                if matches!(arg1, Val::Invalid) || matches!(arg, Val::Invalid) {
                    false
                } else {
                    return Err(format!(
                        "incompatible types for comparison: {} and {}",
                        arg1.type_name(),
                        arg.type_name()
                    ));
                }
            }
        };
        if truth {
            return Ok(true);
        }
    }
    Ok(false)
}

fn lt(arg1: &Val<'_>, arg2: &Val<'_>) -> Result<bool, String> {
    let bad = || "invalid type for comparison".to_owned();
    let k1 = basic(arg1).ok_or_else(bad)?;
    let k2 = basic(arg2).ok_or_else(bad)?;
    if !same_kind(&k1, &k2) {
        return Err(format!(
            "incompatible types for comparison: {} and {}",
            arg1.type_name(),
            arg2.type_name()
        ));
    }
    if let Basic::Bool(_) = k1 {
        return Err(bad());
    }
    Ok(k1 < k2)
}

/// evalArgs of html and urlquery: one string as it is, else fmt.Sprint of the arguments.
fn eval_args(argv: &[Val<'_>]) -> String {
    if let [Val::Typed(json, Ty::String)] = argv {
        return json.as_str().unwrap_or_default().to_owned();
    }
    sprint(argv)
}

fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\0' => out.push('\u{fffd}'),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// url.QueryEscape.
fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
