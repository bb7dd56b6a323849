//! gofed-spec's reader on arbitrary bytes: a spec (possibly refused, with diagnostics), no panic, no hang, bounded
//! memory (the reader's own limits: 64 levels of macro nesting, 16 MiB per expansion, 2,000,000 macro calls).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let spec = gofed_spec::parse("fuzz.spec", data);
    let lines = data.iter().filter(|&&b| b == b'\n').count() + 1;
    for diagnostic in &spec.diagnostics {
        assert!(diagnostic.line <= lines, "{diagnostic} is past the last line ({lines})");
    }
    for package in &spec.packages {
        // rpm adds NAME = EVR to every package.
        assert!(package.provides.iter().any(|d| d.name == package.name));
    }
});
