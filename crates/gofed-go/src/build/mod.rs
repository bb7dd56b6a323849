//! Build contexts: which files `go/build` includes for a platform (PLACEHOLDER).
