//! gofed-types: Go's constant arithmetic ([`constant`], go/constant's exact values) and type
//! checking ([`types`], go/types: objects, types, method sets, constant and initialiser
//! expressions) of parsed packages.
//!
//! Invariants: no I/O (packages arrive as sources and import graphs); the checker never gives
//! up: an error is reported for its declaration and the rest of the package is checked.
#![warn(missing_docs)]

pub mod constant;
pub mod types;

// The earlier stage, under the names these modules use (`crate::ast`, ...).
use gofed_syntax::{ast, budget, diagnostic, lexer, parser, span, token};
