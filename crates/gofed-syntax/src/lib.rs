//! gofed-syntax: Go source text to syntax trees, as go/scanner and go/parser make them.
//!
//! Pipeline: bytes → [`lexer`] (tokens, comments) → [`parser`] (an [`ast::File`] of top-level
//! declarations; function bodies skipped as spans, or parsed into statements with
//! [`parser::ParseMode::Bodies`] or one at a time with [`parser::parse_body`]).
//!
//! ```
//! use gofed_syntax::parser::parse_file;
//!
//! let parsed = parse_file(b"package p\n\nimport \"fmt\"\n\nfunc F() { fmt.Println() }\n");
//! assert!(parsed.is_ok());
//! assert_eq!(parsed.file.imports().count(), 1);
//! ```
//!
//! Invariants: no I/O. Nothing here panics on input: malformed Go becomes
//! [`diagnostic::SyntaxError`]s at go/parser's positions, and the tree of what could be parsed
//! is kept. [`budget::Budget`] (a cancellation flag and a memory allowance) is defined here
//! because every later stage (loading, types, API) runs under it.
#![warn(missing_docs)]

pub mod ast;
pub mod budget;
pub mod diagnostic;
pub mod lexer;
pub mod parser;
pub mod span;
pub mod token;
