//! Package loading: directory trees into packages with `go list` semantics (PLACEHOLDER).
