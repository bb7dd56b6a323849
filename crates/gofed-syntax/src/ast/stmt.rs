//! Statements: the nodes of function bodies, parsed only when asked for
//! ([`crate::parser::ParseMode::Bodies`], [`crate::parser::parse_body`]).
//!
//! As expressions, statements live in an arena of the [`File`](super::File)
//! ([`File::stmts`](super::File::stmts), named by [`StmtId`]) with their spans beside them, and
//! lists are ranges of a side vector. Names and fields follow `go/ast`.

use super::{ExprId, ExprList, GenDecl};
use crate::span::Span;
use crate::token::TokenKind;

/// Index of a statement in [`super::File::stmts`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StmtId(pub u32);

/// A list of statements: a range of [`super::File::stmt_lists`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StmtList {
    /// First index.
    pub start: u32,
    /// Number of elements.
    pub len: u32,
}

/// `{ ... }`: a function body, a block statement, or the body of a switch or select (whose
/// statements are its clauses).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Block {
    /// The statements.
    pub stmts: StmtList,
    /// From `{` through `}` (through the last token parsed when `}` is missing).
    pub span: Span,
}

/// A statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stmt {
    /// Syntax that could not be parsed (an error was recorded).
    Bad,
    /// `var`, `const` or `type` inside a body.
    Decl(Box<GenDecl>),
    /// `;`, or the statement a `}` ends without one (`implicit`).
    Empty {
        /// Inserted at a newline or before `}`, not written.
        implicit: bool,
    },
    /// `label: stmt`
    Labeled {
        /// The label.
        label: Span,
        /// The labelled statement.
        stmt: StmtId,
    },
    /// An expression as a statement (a call, a receive).
    Expr(ExprId),
    /// `ch <- v`
    Send {
        /// Channel.
        chan: ExprId,
        /// Value sent.
        value: ExprId,
    },
    /// `x++` or `x--`
    IncDec {
        /// Operand.
        x: ExprId,
        /// `Inc` or `Dec`.
        tok: TokenKind,
    },
    /// `a, b = x, y`, `a := x`, `a += x`, ...
    Assign {
        /// Left-hand side.
        lhs: ExprList,
        /// The operator (`Define`, `Assign`, `AddAssign`, ...).
        tok: TokenKind,
        /// Its offset.
        tok_pos: u32,
        /// Right-hand side.
        rhs: ExprList,
    },
    /// `go f()`
    Go(ExprId),
    /// `defer f()`
    Defer(ExprId),
    /// `return a, b`
    Return(ExprList),
    /// `break`, `continue`, `goto` or `fallthrough`, with a label for the first three.
    Branch {
        /// The keyword.
        tok: TokenKind,
        /// The label.
        label: Option<Span>,
    },
    /// `{ ... }`
    Block(Block),
    /// `if init; cond { ... } else ...`
    If {
        /// Init statement.
        init: Option<StmtId>,
        /// Condition (`Bad` when missing).
        cond: ExprId,
        /// Then branch.
        body: Block,
        /// Else branch: an `If` or a `Block` (or `Bad`).
        els: Option<StmtId>,
    },
    /// `case a, b:` (`list` is `None` for `default:`) and its statements.
    CaseClause {
        /// The expressions or types.
        list: Option<ExprList>,
        /// Offset of the `:`.
        colon: u32,
        /// The statements.
        body: StmtList,
    },
    /// `switch init; tag { clauses }`
    Switch {
        /// Init statement.
        init: Option<StmtId>,
        /// Tag.
        tag: Option<ExprId>,
        /// The `CaseClause`s.
        body: Block,
    },
    /// `switch init; x := y.(type) { clauses }`
    TypeSwitch {
        /// Init statement.
        init: Option<StmtId>,
        /// `x := y.(type)` (an `Assign`) or `y.(type)` (an `Expr`).
        assign: StmtId,
        /// The `CaseClause`s.
        body: Block,
    },
    /// `case x := <-ch:` (`comm` is `None` for `default:`) and its statements.
    CommClause {
        /// The send or receive (`Send`, `Assign` or `Expr`).
        comm: Option<StmtId>,
        /// Offset of the `:`.
        colon: u32,
        /// The statements.
        body: StmtList,
    },
    /// `select { clauses }`
    Select {
        /// The `CommClause`s.
        body: Block,
    },
    /// `for init; cond; post { ... }`
    For {
        /// Init statement.
        init: Option<StmtId>,
        /// Condition.
        cond: Option<ExprId>,
        /// Post statement.
        post: Option<StmtId>,
        /// Body.
        body: Block,
    },
    /// `for key, value := range x { ... }`
    Range {
        /// Key.
        key: Option<ExprId>,
        /// Value.
        value: Option<ExprId>,
        /// `Define` or `Assign`; `None` for `for range x`.
        tok: Option<TokenKind>,
        /// Offset of `range`.
        range: u32,
        /// The ranged-over expression.
        x: ExprId,
        /// Body.
        body: Block,
    },
}
