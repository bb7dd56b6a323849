//! rpm 4.18's expression language, as used by `%if` (after the line has been
//! macro-expanded) and by `%[...]` (which expands macros inside tokens
//! itself), following `rpmio/expression.c` of rpm 4.18.2.
//!
//! The parser mirrors rpm's one-token lookahead: a token is lexed — and, in
//! expanding mode, its macros expanded — at the moment the parser advances
//! past the previous one, under whatever short-circuit state is in force
//! then. That timing decides which operands reach the expansion callback and
//! which error wins when several are present, so it is kept as is.

use std::fmt;

use crate::rpmver::{compare_evr, Evr};

/// How deep parentheses, unary operators, ternaries and function arguments
/// may nest. rpm has no limit (it recurses on the C stack). Parsing here
/// does not recurse, so this only bounds the work hostile input can ask
/// for; it is far beyond anything a spec file needs.
const MAX_DEPTH: usize = 1000;

/// The result of an expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// Always within `i32` range: rpm computes in C `int`.
    Integer(i64),
    String(String),
    /// The EVR string, as rpm prints it back (`v":1"` becomes `0:1`).
    Version(String),
}

impl Value {
    /// rpm's `boolifyValue`. Versions are always false, whatever they hold,
    /// so `%if v"1.0"` is never taken.
    pub fn truthy(&self) -> bool {
        match self {
            Value::Integer(i) => *i != 0,
            Value::String(s) => !s.is_empty(),
            Value::Version(_) => false,
        }
    }

    /// What `rpmExprStrFlags` (and so `%[...]`) produces for this value.
    pub fn render(&self) -> String {
        match self {
            Value::Integer(i) => i.to_string(),
            Value::String(s) => s.clone(),
            Value::Version(evr) => Evr::parse(evr).to_string(),
        }
    }

    fn int(&self) -> Option<i32> {
        match self {
            // Values are built from i32 only; truncation mirrors C anyway.
            Value::Integer(i) => Some(*i as i32),
            _ => None,
        }
    }

    fn same_type(&self, other: &Value) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
    }
}

fn int_value(i: i32) -> Value {
    Value::Integer(i64::from(i))
}

/// Why an expression was rejected; `message` is rpm's wording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExprError {
    pub message: String,
}

impl ExprError {
    fn new(message: impl Into<String>) -> Self {
        ExprError {
            message: message.into(),
        }
    }
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ExprError {}

fn fail<T>(message: &str) -> Result<T, ExprError> {
    Err(ExprError::new(message))
}

const SYNTAX_ERROR: &str = "syntax error in expression";
const TYPES_MUST_MATCH: &str = "types must match";

/// Evaluates `expr`.
///
/// Without `expand` this is `rpmExprStrFlags(expr, 0)` (and, through
/// [`Value::truthy`], `rpmExprBoolFlags`): `%` is a parse error, as in an
/// `%if` line whose macros have already been expanded. With `expand` it is
/// `RPMEXPR_EXPAND`, i.e. `%[...]`: integer-like tokens (digits and macros
/// glued together, such as `0%{?fedora}`) and the insides of `"..."` and
/// `v"..."` are handed to `expand` before use — except in operands that a
/// short-circuiting `&&`, `||` or `?:` discards, which are parsed but never
/// expanded nor computed with.
pub fn evaluate(
    expr: &str,
    expand: Option<&mut dyn FnMut(&str) -> String>,
) -> Result<Value, ExprError> {
    let mut parser = Parser {
        src: until_nul(expr),
        pos: 0,
        token: Token::Eof,
        discard: false,
        expand,
    };
    parser.advance()?;
    let value = parser.parse()?;
    if !matches!(parser.token, Token::Eof) {
        return fail(SYNTAX_ERROR);
    }
    Ok(value)
}

/// rpm only ever sees a C string.
fn until_nul(s: &str) -> &str {
    s.split('\0').next().unwrap_or_default()
}

/// rpm's `risspace`.
fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

/// rpm's `findMacroEnd` (the expander's): `i` is just past a `%`; returns the index just past the macro
/// reference, or `None` for an unmatched bracket.
fn macro_end(s: &str, i: usize) -> Option<usize> {
    crate::macros::find_macro_end(s.as_bytes(), i)
}

/// rpm's `skipMacro`: `%%` is a literal percent; an unterminated bracket
/// swallows the rest of the expression.
fn skip_macro(s: &str, i: usize) -> usize {
    if s.as_bytes().get(i) == Some(&b'%') {
        i + 1
    } else {
        macro_end(s, i).unwrap_or(s.len())
    }
}

/// rpm's `wellformedInteger`: an optional `-`, then digits — possibly none.
fn wellformed_integer(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    digits.bytes().all(|c| c.is_ascii_digit())
}

/// glibc's `atoi`: `strtol` saturating at the `long` range, then narrowed
/// to `int` by dropping the high bits. Only called on well-formed integers.
fn atoi(s: &str) -> i32 {
    let (negative, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let limit = if negative {
        i128::from(i64::MAX) + 1
    } else {
        i128::from(i64::MAX)
    };
    let mut magnitude: i128 = 0;
    for c in digits.bytes().take_while(u8::is_ascii_digit) {
        magnitude = (magnitude * 10 + i128::from(c - b'0')).min(limit);
    }
    let long = if negative { -magnitude } else { magnitude };
    long as i64 as i32
}

#[derive(Debug)]
enum Token {
    Eof,
    /// An integer, string or version literal.
    Literal(Value),
    Add,
    Minus,
    Multiply,
    Divide,
    OpenParen,
    CloseParen,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Not,
    And,
    Or,
    Question,
    Colon,
    Comma,
    /// `name(` — the opening parenthesis is part of the token.
    Function(String),
}

struct Parser<'s, 'f> {
    src: &'s str,
    /// Where the next token starts (rpm's `state->p`).
    pos: usize,
    /// The lookahead token.
    token: Token,
    /// rpm's `RPMEXPR_DISCARD`: operands being parsed only to be skipped.
    discard: bool,
    expand: Option<&'f mut (dyn FnMut(&str) -> String + 'f)>,
}

impl<'s> Parser<'s, '_> {
    fn byte(&self, i: usize) -> u8 {
        self.src.as_bytes().get(i).copied().unwrap_or(0)
    }

    fn slice(&self, from: usize, to: usize) -> Result<&'s str, ExprError> {
        // Token boundaries always follow ASCII bytes, so this cannot fail in
        // practice; if it ever did, refusing beats panicking.
        self.src
            .get(from..to)
            .ok_or_else(|| ExprError::new("parse error in expression"))
    }

    /// rpm's `getValuebuf`: the raw text of a literal, expanded if asked
    /// to, and blanked when discarding so nothing in it is evaluated.
    fn token_text(&mut self, from: usize, to: usize) -> Result<String, ExprError> {
        if self.discard {
            return Ok(String::new());
        }
        let raw = self.slice(from, to)?;
        Ok(match self.expand.as_mut() {
            Some(expand) if !raw.is_empty() => until_nul(&expand(raw)).to_owned(),
            _ => raw.to_owned(),
        })
    }

    /// rpm's `rdToken`: lexes the next token into `self.token`.
    fn advance(&mut self) -> Result<(), ExprError> {
        let expanding = self.expand.is_some();
        let mut p = self.pos;
        while is_space(self.byte(p)) {
            p += 1;
        }
        let c = self.byte(p);
        let double = |second: u8, yes: Token, no: Token| {
            if self.byte(p + 1) == second {
                (yes, p + 2)
            } else {
                (no, p + 1)
            }
        };
        let (token, next) = match c {
            0 => (Token::Eof, p),
            b'+' => (Token::Add, p + 1),
            b'-' => (Token::Minus, p + 1),
            b'*' => (Token::Multiply, p + 1),
            b'/' => (Token::Divide, p + 1),
            b'(' => (Token::OpenParen, p + 1),
            b')' => (Token::CloseParen, p + 1),
            b'?' => (Token::Question, p + 1),
            b':' => (Token::Colon, p + 1),
            b',' => (Token::Comma, p + 1),
            b'!' => double(b'=', Token::Ne, Token::Not),
            b'<' => double(b'=', Token::Le, Token::Lt),
            b'>' => double(b'=', Token::Ge, Token::Gt),
            b'=' if self.byte(p + 1) == b'=' => (Token::Eq, p + 2),
            b'=' => return fail("syntax error while parsing =="),
            b'&' if self.byte(p + 1) == b'&' => (Token::And, p + 2),
            b'&' => return fail("syntax error while parsing &&"),
            b'|' if self.byte(p + 1) == b'|' => (Token::Or, p + 2),
            b'|' => return fail("syntax error while parsing ||"),
            _ if c.is_ascii_digit() || (c == b'%' && expanding) => self.lex_integer(p)?,
            b'"' => self.lex_quoted(p + 1, false)?,
            b'v' if self.byte(p + 1) == b'"' => self.lex_quoted(p + 2, true)?,
            _ if c.is_ascii_alphabetic() => self.lex_word(p)?,
            _ => return fail("parse error in expression"),
        };
        self.token = token;
        self.pos = next;
        Ok(())
    }

    /// Digits, and when expanding any macros glued to them, form one token
    /// that must expand to an integer.
    fn lex_integer(&mut self, start: usize) -> Result<(Token, usize), ExprError> {
        let expanding = self.expand.is_some();
        let mut end = start;
        loop {
            match self.byte(end) {
                b'%' if expanding => end = skip_macro(self.src, end + 1),
                c if c.is_ascii_digit() => end += 1,
                _ => break,
            }
        }
        let text = self.token_text(start, end)?;
        if expanding && !wellformed_integer(&text) {
            return fail(if text.starts_with(|c: char| c.is_ascii_alphabetic()) {
                "macro expansion returned a bare word, please use \"...\""
            } else {
                "macro expansion did not return an integer"
            });
        }
        Ok((Token::Literal(int_value(atoi(&text))), end))
    }

    /// `"..."` or `v"..."`; `start` is just past the opening quote. There
    /// are no escapes, but when expanding a macro may contain quotes.
    fn lex_quoted(&mut self, start: usize, version: bool) -> Result<(Token, usize), ExprError> {
        let expanding = self.expand.is_some();
        let mut end = start;
        loop {
            match self.byte(end) {
                0 => return fail("unterminated string in expression"),
                b'"' => break,
                b'%' if expanding => end = skip_macro(self.src, end + 1),
                _ => end += 1,
            }
        }
        let text = self.token_text(start, end)?;
        let value = if version {
            // rpm builds discarded versions from "0", so an empty version
            // is only an error where it would be used.
            let text = if self.discard { "0" } else { text.as_str() };
            if text.is_empty() {
                return fail("invalid version");
            }
            Value::Version(Evr::parse(text).to_string())
        } else {
            Value::String(text)
        };
        Ok((Token::Literal(value), end + 1))
    }

    /// A letter starts either a function call `name(` or a forbidden bare
    /// word.
    fn lex_word(&mut self, start: usize) -> Result<(Token, usize), ExprError> {
        let mut end = start + 1;
        while matches!(self.byte(end), b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'.' | b':')
        {
            end += 1;
        }
        if self.byte(end) != b'(' {
            return fail("bare words are no longer supported, please use \"...\"");
        }
        let name = self.slice(start, end)?.to_owned();
        Ok((Token::Function(name), end + 1))
    }

    fn take_token(&mut self) -> Token {
        std::mem::replace(&mut self.token, Token::Eof)
    }

    /// rpm's `doTernary` and everything below it, run on an explicit stack
    /// instead of the call stack so that nesting costs heap, not stack (a
    /// recursive version needed ~6 KiB of stack per parenthesis in debug
    /// builds). The grammar, by rising precedence:
    ///
    /// ```text
    /// ternary  := logical [ "?" ternary ":" ternary ]
    /// logical  := relational { ("&&" | "||") relational }
    /// relational := additive { ("==" | "!=" | "<" | "<=" | ">" | ">=") additive }
    /// additive := multiplicative { ("+" | "-") multiplicative }
    /// multiplicative := primary { ("*" | "/") primary }
    /// primary  := literal | "(" ternary ")" | "-" primary | "!" primary
    ///           | name "(" [ ternary { "," ternary } ] ")"
    /// ```
    ///
    /// Binary operators are reduced shunting-yard style, which evaluates,
    /// lexes and reports errors in the same order as rpm's recursive descent.
    fn parse(&mut self) -> Result<Value, ExprError> {
        let mut stack = Stack::default();
        let mut step = Step::Operand;
        loop {
            step = match step {
                Step::Operand => self.operand(&mut stack)?,
                Step::Primary(value) => Step::Value(stack.apply_unary(value)?),
                Step::Value(value) => self.after_value(&mut stack, value)?,
                Step::Done(value) => return Ok(value),
            };
        }
    }

    /// Starts a primary at the current token.
    fn operand(&mut self, stack: &mut Stack) -> Result<Step, ExprError> {
        let frame = match self.take_token() {
            Token::Literal(value) => {
                self.advance()?;
                return Ok(Step::Primary(value));
            }
            Token::OpenParen => Frame::Paren,
            Token::Minus => Frame::Negate,
            Token::Not => Frame::Not,
            Token::Function(name) => {
                self.advance()?;
                if matches!(self.token, Token::CloseParen) {
                    self.advance()?;
                    return self.call(&name, &[]).map(Step::Primary);
                }
                stack.push_nested(Frame::Call {
                    name,
                    args: Vec::new(),
                })?;
                return Ok(Step::Operand);
            }
            Token::Eof => return fail("unexpected end of expression"),
            _ => return fail(SYNTAX_ERROR),
        };
        stack.push_nested(frame)?;
        self.advance()?;
        Ok(Step::Operand)
    }

    /// Decides what an operand that has just been completed belongs to,
    /// given the lookahead token.
    fn after_value(&mut self, stack: &mut Stack, value: Value) -> Result<Step, ExprError> {
        if let Some(op) = BinaryOp::of(&self.token) {
            let left = self.reduce(stack, value, op.precedence())?;
            let outer = self.discard;
            if let Some(decided) = op.short_circuits(&left) {
                self.discard = outer || decided;
            }
            stack.frames.push(Frame::Binary { left, op, outer });
            self.advance()?;
            return Ok(Step::Operand);
        }

        // Nothing binds looser than the ternary, so whatever follows ends
        // every pending binary operation.
        let value = self.reduce(stack, value, 0)?;
        if matches!(self.token, Token::Question) {
            let taken = value.truthy();
            let outer = self.discard;
            stack.push_nested(Frame::IfTrue { taken, outer })?;
            self.discard = outer || !taken;
            self.advance()?;
            return Ok(Step::Operand);
        }

        match stack.pop() {
            None => Ok(Step::Done(value)),
            Some(Frame::Paren) => {
                if !matches!(self.token, Token::CloseParen) {
                    return fail("unmatched (");
                }
                self.advance()?;
                Ok(Step::Primary(value))
            }
            Some(Frame::Call { name, mut args }) => {
                args.push(value);
                match self.token {
                    Token::CloseParen => {
                        self.advance()?;
                        self.call(&name, &args).map(Step::Primary)
                    }
                    Token::Comma => {
                        self.advance()?;
                        if matches!(self.token, Token::CloseParen) {
                            return fail(SYNTAX_ERROR);
                        }
                        stack.push_nested(Frame::Call { name, args })?;
                        Ok(Step::Operand)
                    }
                    _ => fail(SYNTAX_ERROR),
                }
            }
            Some(Frame::IfTrue { taken, outer }) => {
                if !matches!(self.token, Token::Colon) {
                    return fail(SYNTAX_ERROR);
                }
                self.discard = outer || taken;
                self.advance()?;
                stack.push_nested(Frame::IfFalse {
                    if_true: value,
                    taken,
                    outer,
                })?;
                Ok(Step::Operand)
            }
            // Both branches are parsed, and must agree in type, whichever
            // is taken.
            Some(Frame::IfFalse {
                if_true,
                taken,
                outer,
            }) => {
                self.discard = outer;
                if !if_true.same_type(&value) {
                    return fail(TYPES_MUST_MATCH);
                }
                Ok(Step::Value(if taken { if_true } else { value }))
            }
            // Unary and binary frames are always consumed before we get
            // here; refuse rather than panic should that ever change.
            Some(Frame::Negate | Frame::Not | Frame::Binary { .. }) => fail(SYNTAX_ERROR),
        }
    }

    /// Applies pending binary operators of at least `min_precedence` to
    /// `right`, innermost first (all operators associate to the left).
    fn reduce(
        &mut self,
        stack: &mut Stack,
        mut right: Value,
        min_precedence: u8,
    ) -> Result<Value, ExprError> {
        loop {
            match stack.frames.last() {
                Some(Frame::Binary { op, .. }) if op.precedence() >= min_precedence => {}
                _ => return Ok(right),
            }
            if let Some(Frame::Binary { left, op, outer }) = stack.pop() {
                right = self.binary(left, op, right, outer)?;
            }
        }
    }

    fn binary(
        &mut self,
        left: Value,
        op: BinaryOp,
        right: Value,
        outer: bool,
    ) -> Result<Value, ExprError> {
        use BinaryOp::*;
        match op {
            // The result is the deciding operand itself, not a boolean:
            // `"" || "foo"` is `"foo"`.
            And | Or => {
                if !left.same_type(&right) {
                    return fail(TYPES_MUST_MATCH);
                }
                self.discard = outer;
                let decided = op.short_circuits(&left).unwrap_or(false);
                Ok(if decided { left } else { right })
            }
            Eq | Ne | Lt | Le | Gt | Ge => {
                let order = match (&left, &right) {
                    // rpm compares integers by the sign of `a - b` in C int
                    // arithmetic, so comparisons across a 2^31 distance
                    // invert.
                    (Value::Integer(a), Value::Integer(b)) => {
                        (*a as i32).wrapping_sub(*b as i32).cmp(&0)
                    }
                    (Value::String(a), Value::String(b)) => a.as_bytes().cmp(b.as_bytes()),
                    (Value::Version(a), Value::Version(b)) => {
                        compare_evr(&Evr::parse(a), &Evr::parse(b))
                    }
                    _ => return fail(TYPES_MUST_MATCH),
                };
                let holds = match op {
                    Eq => order.is_eq(),
                    Ne => order.is_ne(),
                    Lt => order.is_lt(),
                    Le => order.is_le(),
                    Gt => order.is_gt(),
                    _ => order.is_ge(),
                };
                Ok(int_value(i32::from(holds)))
            }
            Add | Subtract => match (left, right) {
                (Value::Integer(a), Value::Integer(b)) => {
                    let (a, b) = (a as i32, b as i32);
                    Ok(int_value(if op == Add {
                        a.wrapping_add(b)
                    } else {
                        a.wrapping_sub(b)
                    }))
                }
                (Value::String(a), Value::String(b)) if op == Add => Ok(Value::String(a + &b)),
                (Value::String(_), Value::String(_)) => fail("- not supported for strings"),
                (Value::Version(_), Value::Version(_)) => {
                    fail("+ and - not supported for versions")
                }
                _ => fail(TYPES_MUST_MATCH),
            },
            Multiply | Divide => match (left, right) {
                // Discarded operands are blanked to 0, so computing with
                // them would raise spurious division-by-zero errors.
                (left @ Value::Integer(_), Value::Integer(_)) if self.discard => Ok(left),
                (Value::Integer(a), Value::Integer(b)) => {
                    let (a, b) = (a as i32, b as i32);
                    if op == Multiply {
                        Ok(int_value(a.wrapping_mul(b)))
                    } else if b == 0 {
                        fail("division by zero")
                    } else {
                        // INT_MIN / -1 traps in C; wrapping is the sane
                        // choice.
                        Ok(int_value(a.wrapping_div(b)))
                    }
                }
                (Value::Version(_), Value::Version(_)) => {
                    fail("* and / not supported for versions")
                }
                (Value::String(_), Value::String(_)) => fail("* and / not supported for strings"),
                _ => fail(TYPES_MUST_MATCH),
            },
        }
    }

    /// `name(args)`, with the arguments already evaluated (and expanded)
    /// as rpm does before it looks at the name. Nothing is ever called: rpm
    /// only knows `lua:` functions, and Lua is not run here.
    fn call(&self, name: &str, args: &[Value]) -> Result<Value, ExprError> {
        if !name.starts_with("lua:") {
            return fail("unsupported funcion");
        }
        // rpm skips discarded Lua calls and yields an empty string.
        if self.discard {
            return Ok(Value::String(String::new()));
        }
        if args.iter().any(|arg| matches!(arg, Value::Version(_))) {
            return fail("unsupported function argument type");
        }
        Err(ExprError::new(format!(
            "unsupported funcion: {name}() is a lua function and lua is not evaluated"
        )))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BinaryOp {
    And,
    Or,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Subtract,
    Multiply,
    Divide,
}

impl BinaryOp {
    fn of(token: &Token) -> Option<BinaryOp> {
        Some(match token {
            Token::And => BinaryOp::And,
            Token::Or => BinaryOp::Or,
            Token::Eq => BinaryOp::Eq,
            Token::Ne => BinaryOp::Ne,
            Token::Lt => BinaryOp::Lt,
            Token::Le => BinaryOp::Le,
            Token::Gt => BinaryOp::Gt,
            Token::Ge => BinaryOp::Ge,
            Token::Add => BinaryOp::Add,
            Token::Minus => BinaryOp::Subtract,
            Token::Multiply => BinaryOp::Multiply,
            Token::Divide => BinaryOp::Divide,
            _ => return None,
        })
    }

    /// `&&` and `||` share the lowest level, so `1 || 0 && 0` is 0.
    fn precedence(self) -> u8 {
        use BinaryOp::*;
        match self {
            And | Or => 0,
            Eq | Ne | Lt | Le | Gt | Ge => 1,
            Add | Subtract => 2,
            Multiply | Divide => 3,
        }
    }

    /// For `&&` and `||`: whether `left` alone decides the result, making
    /// the right operand a discarded one.
    fn short_circuits(self, left: &Value) -> Option<bool> {
        match self {
            BinaryOp::And => Some(!left.truthy()),
            BinaryOp::Or => Some(left.truthy()),
            _ => None,
        }
    }
}

/// What the parser does next.
enum Step {
    /// Parse an operand starting at the current token.
    Operand,
    /// A primary is complete; pending unary operators apply to it.
    Primary(Value),
    /// An operand is complete; the lookahead decides where it goes.
    Value(Value),
    /// The whole expression is complete.
    Done(Value),
}

/// Work suspended while an inner operand is parsed.
enum Frame {
    Negate,
    Not,
    Paren,
    Call {
        name: String,
        args: Vec<Value>,
    },
    /// `left op` awaiting its right operand; `outer` is the discard state
    /// to return to once it is complete.
    Binary {
        left: Value,
        op: BinaryOp,
        outer: bool,
    },
    IfTrue {
        taken: bool,
        outer: bool,
    },
    IfFalse {
        if_true: Value,
        taken: bool,
        outer: bool,
    },
}

impl Frame {
    fn nests(&self) -> bool {
        !matches!(self, Frame::Binary { .. })
    }
}

#[derive(Default)]
struct Stack {
    frames: Vec<Frame>,
    /// Frames other than binary operators; binary ones are bounded by
    /// precedence levels per nesting level anyway.
    nesting: usize,
}

impl Stack {
    fn push_nested(&mut self, frame: Frame) -> Result<(), ExprError> {
        if self.nesting >= MAX_DEPTH {
            return fail("expression too deeply nested");
        }
        self.nesting += 1;
        self.frames.push(frame);
        Ok(())
    }

    fn pop(&mut self) -> Option<Frame> {
        let frame = self.frames.pop()?;
        if frame.nests() {
            self.nesting = self.nesting.saturating_sub(1);
        }
        Some(frame)
    }

    fn apply_unary(&mut self, mut value: Value) -> Result<Value, ExprError> {
        loop {
            value = match self.frames.last() {
                Some(Frame::Negate) => match value.int() {
                    Some(i) => int_value(i.wrapping_neg()),
                    None => return fail("- only on numbers"),
                },
                Some(Frame::Not) => int_value(i32::from(!value.truthy())),
                _ => return Ok(value),
            };
            self.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn eval(expr: &str) -> Result<Value, ExprError> {
        evaluate(expr, None)
    }

    fn int(expr: &str) -> i64 {
        match eval(expr) {
            Ok(Value::Integer(i)) => i,
            other => panic!("{expr:?} gave {other:?}"),
        }
    }

    fn rendered(expr: &str) -> String {
        match eval(expr) {
            Ok(v) => v.render(),
            Err(e) => panic!("{expr:?} failed: {e}"),
        }
    }

    fn error(expr: &str) -> String {
        match eval(expr) {
            Err(e) => e.message,
            Ok(v) => panic!("{expr:?} unexpectedly gave {v:?}"),
        }
    }

    /// A tiny macro expander over a fixed table that records what it was
    /// asked to expand. It knows only `%name`, `%{name}` and `%{?name}`,
    /// which is all these tests need.
    struct Macros {
        defs: HashMap<&'static str, &'static str>,
        calls: Vec<String>,
    }

    impl Macros {
        fn new(defs: &[(&'static str, &'static str)]) -> Self {
            Macros {
                defs: defs.iter().copied().collect(),
                calls: Vec::new(),
            }
        }

        fn expand_text(&self, s: &str) -> String {
            let mut out = String::new();
            let mut rest = s;
            while let Some(at) = rest.find('%') {
                out.push_str(&rest[..at]);
                let after = &rest[at + 1..];
                let end = macro_end(after, 0).unwrap_or(after.len());
                let reference = &after[..end];
                let inner = reference
                    .strip_prefix('{')
                    .and_then(|r| r.strip_suffix('}'))
                    .unwrap_or(reference);
                let (optional, name) = match inner.strip_prefix('?') {
                    Some(name) => (true, name),
                    None => (false, inner),
                };
                match self.defs.get(name) {
                    Some(body) => out.push_str(body),
                    None if optional => {}
                    None => {
                        out.push('%');
                        out.push_str(reference);
                    }
                }
                rest = &after[end..];
            }
            out.push_str(rest);
            out
        }
    }

    fn eval_with(macros: &mut Macros, expr: &str) -> Result<Value, ExprError> {
        let mut expand = |s: &str| {
            macros.calls.push(s.to_owned());
            macros.expand_text(s)
        };
        evaluate(expr, Some(&mut expand))
    }

    #[test]
    fn arithmetic_and_precedence() {
        assert_eq!(int("4*1024"), 4096);
        assert_eq!(int("5 < 1"), 0);
        assert_eq!(int("(4 + 5) * 2 == 18"), 1);
        assert_eq!(int("1 + 2 * 3"), 7);
        assert_eq!(int("(1 + 2) * 3"), 9);
        assert_eq!(int("7 / 2"), 3);
        assert_eq!(int("-7 / 2"), -3);
        assert_eq!(int("10 - 2 - 3"), 5);
        assert_eq!(int("-2 * 3"), -6);
        assert_eq!(int("- -3"), 3);
        assert_eq!(int("!0"), 1);
        assert_eq!(int("!5"), 0);
        assert_eq!(int("!1 + 1"), 1);
        assert_eq!(int("1 < 2 < 3"), 1);
        assert_eq!(int("3 > 2 > 1"), 0);
        assert_eq!(int(" \t\n 42 \n"), 42);
        assert_eq!(int("007"), 7);
    }

    #[test]
    fn c_int_semantics() {
        assert_eq!(int("2147483647 + 1"), -2147483648);
        assert_eq!(int("65536 * 65536"), 0);
        assert_eq!(int("-(0 - 2147483647 - 1)"), -2147483648);
        assert_eq!(int("(0 - 2147483647 - 1) / -1"), -2147483648);
        // atoi: strtol saturates at LONG_MAX, then the cast keeps 32 bits.
        assert_eq!(int("4294967296"), 0);
        assert_eq!(int("4294967297"), 1);
        assert_eq!(int("99999999999999999999999"), -1);
        // Compared via the sign of a wrapping a - b, as rpm does.
        assert_eq!(int("2000000000 > 0 - 2000000000"), 0);
        assert_eq!(int("2 > 1"), 1);
    }

    #[test]
    fn logical_operators_return_the_deciding_operand() {
        // rpm's "expr macro 1" test.
        assert_eq!(int("1 && 0"), 0);
        assert_eq!(int("0 || 3"), 3);
        assert_eq!(int("2 || 3"), 2);
        assert_eq!(int("0 && 3"), 0);
        assert_eq!(int("2 && 3"), 3);
        assert_eq!(rendered("\"\" || \"foo\""), "foo");
        assert_eq!(rendered("\"bar\" || \"foo\""), "bar");
        assert_eq!(rendered("\"\" && \"foo\""), "");
        assert_eq!(rendered("\"bar\" && \"foo\""), "foo");
        assert_eq!(int("! \"\""), 1);
        assert_eq!(int("! \"foo\""), 0);
        // Same precedence, left to right.
        assert_eq!(int("1 || 0 && 0"), 0);
        assert_eq!(int("0 && 0 || 1"), 1);
        assert_eq!(error("1 && \"a\""), "types must match");
    }

    #[test]
    fn strings() {
        assert_eq!(int("\"a\" < \"b\""), 1);
        assert_eq!(int("\"b\" < \"a\""), 0);
        assert_eq!(int("\"abc\" == \"abc\""), 1);
        assert_eq!(int("\"Z\" < \"a\""), 1);
        assert_eq!(int("\"a\" < \"ab\""), 1);
        assert_eq!(rendered("\"foo\" + \"bar\""), "foobar");
        assert_eq!(rendered("\"a b\""), "a b");
        assert_eq!(rendered("\"\""), "");
        assert_eq!(error("\"a\" - \"b\""), "- not supported for strings");
        assert_eq!(error("\"a\" * \"b\""), "* and / not supported for strings");
        assert_eq!(error("-\"a\""), "- only on numbers");
        assert_eq!(error("\"a\"*1"), "types must match");
        assert!(eval("\"x\"").is_ok_and(|v| v.truthy()));
        assert!(eval("\"\"").is_ok_and(|v| !v.truthy()));
    }

    #[test]
    fn versions() {
        assert_eq!(int("v\"1.2\" < v\"1.10\""), 1);
        assert_eq!(int("v\"1.0\" == v\"1.0\""), 1);
        assert_eq!(int("v\"1.0~rc\" < v\"1.0\""), 1);
        assert_eq!(int("v\"1.0~rc\" > v\"1.0\""), 0);
        assert_eq!(int("v\"1.0-rc\" > v\"1.0\""), 1);
        assert_eq!(int("v\"1:1.0\" > v\"2.0\""), 1);
        assert_eq!(int("v\"0:1.0\" == v\"1.0\""), 1);
        assert_eq!(rendered("v\"1:2.3-4\""), "1:2.3-4");
        assert_eq!(rendered("v\":2.3\""), "0:2.3");
        // Versions are never true, so && stops at the first one.
        assert_eq!(rendered("v\"0\" && v\"0\""), "0");
        assert_eq!(rendered("v\"1\" && v\"2\""), "1");
        assert_eq!(rendered("v\"1\" || v\"2\""), "2");
        assert_eq!(int("!v\"1\""), 1);
        assert!(eval("v\"5\"").is_ok_and(|v| !v.truthy()));
        assert_eq!(error("v\"\""), "invalid version");
        assert_eq!(
            error("v\"1\" + v\"2\""),
            "+ and - not supported for versions"
        );
        assert_eq!(
            error("v\"1\" / v\"2\""),
            "* and / not supported for versions"
        );
        assert_eq!(error("v\"1\" == \"1\""), "types must match");
        assert_eq!(error("-v\"1\""), "- only on numbers");
    }

    #[test]
    fn ternaries() {
        // rpm's "ternary expressions" test.
        let cases = [
            ("0 ? 2 : 3", 3),
            ("1 ? 2 : 3", 2),
            ("0 ? 0 ? 3 : 4 : 0 ? 6 : 7", 7),
            ("0 ? 0 ? 3 : 4 : 5 ? 6 : 7", 6),
            ("0 ? 2 ? 3 : 4 : 0 ? 6 : 7", 7),
            ("0 ? 2 ? 3 : 4 : 5 ? 6 : 7", 6),
            ("1 ? 0 ? 3 : 4 : 0 ? 6 : 7", 4),
            ("1 ? 0 ? 3 : 4 : 5 ? 6 : 7", 4),
            ("1 ? 2 ? 3 : 4 : 0 ? 6 : 7", 3),
            ("1 ? 2 ? 3 : 4 : 5 ? 6 : 7", 3),
        ];
        for (expr, want) in cases {
            assert_eq!(int(expr), want, "{expr}");
        }
        assert_eq!(rendered("\"\" ? \"a\" : \"b\""), "b");
        assert_eq!(rendered("v\"1\" ? \"a\" : \"b\""), "b");
        assert_eq!(int("1 ? 2 : 3 + 10"), 2);
        assert_eq!(int("0 ? 2 : 3 + 10"), 13);
        // rpm's "expr macro 2": even the discarded branch must match types.
        assert_eq!(error("0 < 1 ? 2 : 1*\"a\""), "types must match");
        assert_eq!(error("0 < 1 ? 1*\"a\" : 2"), "types must match");
        assert_eq!(error("0 < 1 ? 2 : \"a\""), "types must match");
        assert_eq!(error("0 < 1 ? \"a\" : 2"), "types must match");
        assert_eq!(error("1 ? 2"), "syntax error in expression");
        assert_eq!(error("1 ? 2 :"), "unexpected end of expression");
    }

    #[test]
    fn short_circuit_never_divides() {
        assert_eq!(int("0 && 1 / 0"), 0);
        assert_eq!(int("1 || 1 / 0"), 1);
        assert_eq!(int("1 ? 2 : 1 / 0"), 2);
        assert_eq!(int("0 ? 1 / 0 : 5"), 5);
        assert_eq!(int("1 || (2 / 0 + 3 / 0)"), 1);
        assert_eq!(int("0 && (1 ? 1/0 : 2/0)"), 0);
        assert_eq!(error("1 && 1 / 0"), "division by zero");
        assert_eq!(error("0 || 1 / 0"), "division by zero");
        assert_eq!(error("1/0"), "division by zero");
        // Discarding still parses and still checks types.
        assert_eq!(
            error("0 && \"a\" * \"b\""),
            "* and / not supported for strings"
        );
        assert_eq!(error("0 && (1 +"), "unexpected end of expression");
        // A discarded invalid version is not an error: it is never built.
        assert_eq!(int("0 && v\"\" == v\"\""), 0);
    }

    #[test]
    fn syntax_errors() {
        // rpm's "expr macro 2" test.
        assert_eq!(error("(5+1)*4)"), "syntax error in expression");
        assert_eq!(error("\"a\"=!\"b\""), "syntax error while parsing ==");
        assert_eq!(error("4+"), "unexpected end of expression");
        assert_eq!(
            error("bare"),
            "bare words are no longer supported, please use \"...\""
        );
        assert_eq!(
            error("fedora >= 38"),
            "bare words are no longer supported, please use \"...\""
        );
        assert_eq!(error("1 = 1"), "syntax error while parsing ==");
        assert_eq!(error("1 & 1"), "syntax error while parsing &&");
        assert_eq!(error("1 | 1"), "syntax error while parsing ||");
        assert_eq!(error("\"abc"), "unterminated string in expression");
        assert_eq!(error("v\"1.0"), "unterminated string in expression");
        assert_eq!(error(""), "unexpected end of expression");
        assert_eq!(error("   "), "unexpected end of expression");
        assert_eq!(error("(1"), "unmatched (");
        assert_eq!(error("(1 2)"), "unmatched (");
        assert_eq!(error(")"), "syntax error in expression");
        assert_eq!(error("1 2"), "syntax error in expression");
        assert_eq!(error("1 @ 2"), "parse error in expression");
        assert_eq!(error("é"), "parse error in expression");
        assert_eq!(error("1 ,"), "syntax error in expression");
        // Without expansion `%` is just an unknown character.
        assert_eq!(error("0%{?fedora} >= 38"), "parse error in expression");
        // The lexer runs one token ahead, so a later lexical error wins
        // over an arithmetic one.
        assert_eq!(
            error("1/0 bare"),
            "bare words are no longer supported, please use \"...\""
        );
        // Everything after a NUL is invisible, as for rpm.
        assert_eq!(int("1\0 garbage"), 1);
    }

    #[test]
    fn functions_are_not_called() {
        assert_eq!(error("foo(1)"), "unsupported funcion");
        assert_eq!(error("foo()"), "unsupported funcion");
        let lua = error("lua:string.reverse(\"hello\")");
        assert!(lua.starts_with("unsupported funcion"), "{lua}");
        assert!(lua.contains("lua is not evaluated"), "{lua}");
        assert_eq!(error("lua:f(v\"1\")"), "unsupported function argument type");
        assert_eq!(error("foo(1,)"), "syntax error in expression");
        assert_eq!(error("foo(1 2)"), "syntax error in expression");
        assert_eq!(error("foo(1"), "syntax error in expression");
        assert_eq!(error("foo("), "unexpected end of expression");
        assert_eq!(error("foo(1, 1/0)"), "division by zero");
        // Discarded Lua calls yield "" in rpm; others still fail.
        assert_eq!(rendered("1 ? \"x\" : lua:f(1)"), "x");
        assert_eq!(error("1 ? \"x\" : foo(1)"), "unsupported funcion");
        assert_eq!(
            error("foo (1)"),
            "bare words are no longer supported, please use \"...\""
        );
    }

    #[test]
    fn expansion() {
        let mut m = Macros::new(&[
            ("fedora", "38"),
            ("aaa", "5"),
            ("bbb", "0"),
            ("word", "hello"),
        ]);
        let mut check = |expr: &str| eval_with(&mut m, expr).map(|v| v.render());
        assert_eq!(check("0%{?fedora} >= 38").as_deref(), Ok("1"));
        assert_eq!(check("0%{?rhel} >= 8").as_deref(), Ok("0"));
        assert_eq!(check("0%{?fedora}").as_deref(), Ok("38"));
        assert_eq!(check("%aaa").as_deref(), Ok("5"));
        assert_eq!(check("%{aaa}").as_deref(), Ok("5"));
        assert_eq!(check("\"%{aaa}\"").as_deref(), Ok("5"));
        assert_eq!(check("%{?ccc}").as_deref(), Ok("0"));
        assert_eq!(check("%{aaa} || %{bbb}").as_deref(), Ok("5"));
        assert_eq!(check("%{aaa} && %{bbb}").as_deref(), Ok("0"));
        assert_eq!(check("v\"1:2.3-4\"").as_deref(), Ok("1:2.3-4"));
        assert_eq!(check("v\"%{fedora}\" >= v\"37\"").as_deref(), Ok("1"));
        assert_eq!(check("\"%{word}\" == \"hello\"").as_deref(), Ok("1"));
        // A macro may contain characters that would end the token.
        assert_eq!(check("\"%{?x:\"}\"").as_deref(), Ok(""));
        assert_eq!(
            check("%word").map_err(|e| e.message),
            Err("macro expansion returned a bare word, please use \"...\"".to_owned())
        );
        assert_eq!(
            check("%{nope}").map_err(|e| e.message),
            Err("macro expansion did not return an integer".to_owned())
        );
        assert_eq!(
            check("v\"%{?nothing}\"").map_err(|e| e.message),
            Err("invalid version".to_owned())
        );
        // An unterminated macro swallows the rest, closing quote included.
        assert_eq!(
            check("\"%{aaa\"").map_err(|e| e.message),
            Err("unterminated string in expression".to_owned())
        );
    }

    #[test]
    fn expansion_sees_whole_tokens() {
        let mut m = Macros::new(&[("fedora", "38")]);
        let value = eval_with(&mut m, "0%{?fedora}%% + \"a%{x}b\" == 1");
        assert!(value.is_err());
        assert_eq!(m.calls, ["0%{?fedora}%%"]);

        let mut m = Macros::new(&[("fedora", "38")]);
        let value = eval_with(&mut m, "0%{?fedora} >= 38 && \"x\" != \"\"");
        assert_eq!(value, Ok(Value::Integer(1)));
        // Literals without macros go through the expander too, like in rpm,
        // but empty ones do not.
        assert_eq!(m.calls, ["0%{?fedora}", "38", "x"]);
    }

    #[test]
    fn expansion_of_negative_and_empty_results() {
        let mut m = Macros::new(&[("neg", "-5"), ("dash", "-"), ("sp", " 1")]);
        assert_eq!(eval_with(&mut m, "%neg"), Ok(Value::Integer(-5)));
        assert_eq!(eval_with(&mut m, "%dash"), Ok(Value::Integer(0)));
        assert_eq!(
            eval_with(&mut m, "%sp").map_err(|e| e.message),
            Err("macro expansion did not return an integer".to_owned())
        );
    }

    #[test]
    fn discarded_operands_are_not_expanded() {
        let mut m = Macros::new(&[("one", "1"), ("zero", "0")]);
        assert_eq!(
            eval_with(&mut m, "%zero && %{undefined}"),
            Ok(Value::Integer(0))
        );
        assert_eq!(m.calls, ["%zero"]);

        let mut m = Macros::new(&[("one", "1"), ("zero", "0")]);
        assert_eq!(
            eval_with(&mut m, "%one || \"%{a}\" == \"%{b}\""),
            Ok(Value::Integer(1))
        );
        assert_eq!(m.calls, ["%one"]);

        let mut m = Macros::new(&[("one", "1"), ("zero", "0")]);
        assert_eq!(
            eval_with(&mut m, "%one ? %{yes} - 1 : %{no} / %zero").map_err(|e| e.message),
            Err("macro expansion did not return an integer".to_owned())
        );
        assert_eq!(m.calls, ["%one", "%{yes}"]);

        let mut m = Macros::new(&[("one", "1"), ("zero", "0")]);
        assert_eq!(
            eval_with(&mut m, "%zero ? v\"%{a}\" : v\"%one\""),
            Ok(Value::Version("1".to_owned()))
        );
        assert_eq!(m.calls, ["%zero", "%one"]);

        // Nested: the inner ternary lies wholly inside a discarded branch.
        let mut m = Macros::new(&[("one", "1"), ("zero", "0")]);
        assert_eq!(
            eval_with(&mut m, "%zero && (%one ? %{a} : %{b} / 0)"),
            Ok(Value::Integer(0))
        );
        assert_eq!(m.calls, ["%zero"]);

        // Discarded Lua calls are skipped (and yield "" in rpm).
        let mut m = Macros::new(&[("one", "1")]);
        assert_eq!(
            eval_with(&mut m, "%one || lua:f(%{x}) == \"\""),
            Ok(Value::Integer(1))
        );
        assert_eq!(m.calls, ["%one"]);
    }

    #[test]
    fn macro_extents() {
        let end = |s: &str| macro_end(s, 0);
        assert_eq!(end("{foo}bar"), Some(5));
        assert_eq!(end("{a{b}c}d"), Some(7));
        assert_eq!(end("{a\\}b}c"), Some(6));
        assert_eq!(end("(echo 1)x"), Some(8));
        assert_eq!(end("[1 + (2)]x"), Some(9));
        assert_eq!(end("{foo"), None);
        assert_eq!(end("{foo\\"), None);
        assert_eq!(end("foo_1 bar"), Some(5));
        assert_eq!(end("?!foo+"), Some(5));
        assert_eq!(end("-f x"), Some(2));
        assert_eq!(end("**x"), Some(2));
        assert_eq!(end("*x"), Some(1));
        assert_eq!(end("#x"), Some(1));
        assert_eq!(end("1*"), Some(2));
        assert_eq!(end(""), Some(0));
        assert_eq!(end(" x"), Some(0));
        assert_eq!(macro_end("a%{b}c", 2), Some(5));
        assert_eq!(skip_macro("%%x", 1), 2);
        assert_eq!(skip_macro("%{x", 1), 3);
    }

    #[test]
    fn hostile_nesting_is_an_error_not_a_crash() {
        for c in ["(", "!", "-", "1 ? "] {
            let expr = c.repeat(100_000);
            assert_eq!(error(&expr), "expression too deeply nested", "{c:?}");
        }
        let expr = format!("{}1{}", "(".repeat(100_000), ")".repeat(100_000));
        assert_eq!(error(&expr), "expression too deeply nested");
        let expr = format!("{}1", "foo(".repeat(100_000));
        assert_eq!(error(&expr), "expression too deeply nested");
        let expr = format!("{}0", "1 ? 2 : ".repeat(100_000));
        assert_eq!(error(&expr), "expression too deeply nested");
    }

    #[test]
    fn nesting_up_to_the_limit_works() {
        let depth = MAX_DEPTH;
        let expr = format!("{}1{}", "(".repeat(depth), ")".repeat(depth));
        assert_eq!(int(&expr), 1);
        let expr = format!("{}1{}", "(".repeat(depth + 1), ")".repeat(depth + 1));
        assert_eq!(error(&expr), "expression too deeply nested");
        // An even number of `!` keeps a true value true.
        assert_eq!(int(&format!("{}1", "!".repeat(MAX_DEPTH))), 1);
        assert_eq!(int(&format!("{}1", "- ".repeat(MAX_DEPTH))), 1);
        let expr = format!("{}1{}", "1 ? ".repeat(depth), " : 0".repeat(depth));
        assert_eq!(int(&expr), 1);
    }

    #[test]
    fn long_flat_expressions_are_fine() {
        let expr = vec!["1"; 100_000].join(" + ");
        assert_eq!(int(&expr), 100_000);
        let expr = vec!["1"; 100_000].join(" && ");
        assert_eq!(int(&expr), 1);
    }

    #[test]
    fn render_and_truthy() {
        assert_eq!(Value::Integer(-3).render(), "-3");
        assert_eq!(Value::String("x y".into()).render(), "x y");
        assert_eq!(Value::Version("1:2-3".into()).render(), "1:2-3");
        assert!(Value::Integer(-1).truthy());
        assert!(!Value::Integer(0).truthy());
        assert!(!Value::Version("1".into()).truthy());
        let e = ExprError::new("division by zero");
        assert_eq!(e.to_string(), "division by zero");
    }
}
