//! Git repositories read at a revision straight from the object database (no checkout, no `git` binary).
