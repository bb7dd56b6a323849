//! gofed-load: Go packages from file trees with `go list` semantics.
//!
//! Pipeline: a file tree → [`build`] (which files a build context includes: `//go:build`
//! lines, file names, platforms of each Go release) → [`load`] (directories into packages:
//! go.mod, vendoring, import paths, the standard library of each Go release) → [`depsdiff`]
//! (what changed in the imports of two loads).
//!
//! Invariants: no network; the only file-system access is [`load`]'s directory walker. A
//! malformed file or go.mod is an error of its package, and the rest of the tree is loaded.
#![warn(missing_docs)]

pub mod build;
pub mod depsdiff;
pub mod load;

// The earlier stage, under the names these modules use (`crate::parser`, ...).
use gofed_syntax::{budget, lexer, parser, span};
