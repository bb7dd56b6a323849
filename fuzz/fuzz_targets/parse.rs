//! Lexer, parser (bodies skipped, parsed, and parsed one at a time) and build-header scan on
//! arbitrary bytes: no panic, no hang, and the tree's spans stay inside the input.
#![no_main]

use gofed_go::ast::Decl;
use gofed_go::build::parse_file_header;
use gofed_go::parser::{parse_body, parse_file, parse_file_with, ParseMode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let len = data.len() as u32;
    let parsed = parse_file(data);
    for span in &parsed.file.expr_spans {
        assert!(span.start <= span.end && span.end <= len, "expression span out of bounds");
    }
    for comment in &parsed.file.comments {
        assert!(comment.span.end <= len, "comment span out of bounds");
    }
    for pair in parsed.errors.windows(2) {
        assert!(pair[0].span.start <= pair[1].span.start, "errors not sorted");
    }
    for error in &parsed.errors {
        assert!(error.span.start <= len, "error out of bounds");
        let _ = error.message(data);
    }
    let imports_only = parse_file_with(data, ParseMode::ImportsOnly);
    // The import prefix of a file is the same whichever mode parses it.
    let full: Vec<_> = parsed.file.imports().map(|i| i.path).collect();
    let prefix: Vec<_> = imports_only.file.imports().map(|i| i.path).collect();
    assert!(full.starts_with(&prefix) || !parsed.errors.is_empty());
    let with_bodies = parse_file_with(data, ParseMode::Bodies);
    for span in with_bodies.file.expr_spans.iter().chain(&with_bodies.file.stmt_spans) {
        assert!(span.start <= span.end && span.end <= len, "node span out of bounds");
    }
    // A file accepted with bodies skipped and parsed: each body parsed alone is accepted too.
    if parsed.is_ok() && with_bodies.is_ok() {
        for decl in &parsed.file.decls {
            if let Decl::Func(func) = decl {
                if let Some(body) = func.body {
                    assert!(parse_body(data, body.start).errors.is_empty(), "body parsed alone");
                }
            }
        }
    }
    let _ = parse_file_header(data);
});
