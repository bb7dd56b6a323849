//! gofed-api: a Go package's exported API and its compatibility.
//!
//! [`api`] extracts the API of checked packages (the typed model, and the lines Go's `cmd/api`
//! prints); [`apidiff`] compares two APIs as `golang.org/x/exp/apidiff` does; [`impact`] says
//! which uses of a dependent an incompatible change hits.
//!
//! Invariants: no I/O beyond what [`gofed_load::load`] reads of a tree.
#![warn(missing_docs)]

pub mod api;
pub mod apidiff;
pub mod impact;

// The earlier stages, under the names these modules use (`crate::types`, ...).
use gofed_load::load;
use gofed_syntax::{ast, diagnostic, lexer, parser, token};
use gofed_types::{constant, types};
