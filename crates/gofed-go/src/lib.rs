//! gofed-go: the Go source model of gofed.
//!
//! Pipeline: bytes → [`lexer`] (tokens, comments) → [`parser`] (a [`ast::File`] of top-level
//! declarations, function bodies kept as spans) → [`build`] (which files a build context
//! includes) → [`load`] (directory trees into packages with `go list` semantics).
//!
//! Invariants: no network, no registry, no async; the only file-system access is in
//! [`load`]'s directory walker. Nothing here panics on input: malformed Go becomes
//! [`diagnostic::SyntaxError`]s, the rest of the file and of the tree is still analysed.
//! Every analysis can run under a [`budget::Budget`] (a cancellation flag and a memory
//! allowance), so that a crafted input ends in an error for that input alone.
#![warn(missing_docs)]

pub mod api;
pub mod apidiff;
pub mod ast;
pub mod budget;
pub mod build;
pub mod constant;
pub mod depsdiff;
pub mod diagnostic;
pub mod lexer;
pub mod load;
pub mod parser;
pub mod span;
pub mod token;
pub mod types;
