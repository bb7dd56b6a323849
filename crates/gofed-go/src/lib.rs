//! gofed-go: the Go engine of gofed, one name over its stages.
//!
//! The engine is split along its pipeline, a crate per stage:
//! - [`gofed_syntax`]: bytes → [`lexer`] → [`parser`] → [`ast`];
//! - [`gofed_load`]: [`build`] (file selection) and [`load`] (packages with `go list`
//!   semantics), [`depsdiff`];
//! - [`gofed_types`]: [`constant`] and [`types`] (go/constant, go/types);
//! - [`gofed_api`]: [`api`] (cmd/api) and [`apidiff`] (x/exp/apidiff).
//!
//! Every module keeps its path here (`gofed_go::parser`, `gofed_go::load`, ...), so users of the
//! engine need not know which stage a module lives in.
//!
//! Invariants: no network, no registry, no async; the only file-system access is in
//! [`load`]'s directory walker. Nothing here panics on input: malformed Go becomes
//! [`diagnostic::SyntaxError`]s, the rest of the file and of the tree is still analysed.
//! Every analysis can run under a [`budget::Budget`] (a cancellation flag and a memory
//! allowance), so that a crafted input ends in an error for that input alone.
#![warn(missing_docs)]

pub use gofed_api::{api, apidiff, impact};
pub use gofed_load::{build, depsdiff, load};
pub use gofed_syntax::{ast, budget, diagnostic, lexer, parser, span, token};
pub use gofed_types::{constant, types};
