//! The loader reads a `.go` file's first bytes and all of it only when its package clause and
//! imports go further: packages loaded from disk (heads) must equal those loaded from a
//! `MemoryTree` of the same files (always whole files), wherever the cut falls.

use std::path::{Path, PathBuf};

use gofed_go::load::{load_tree, MemoryTree, OsFileTree};

/// The loader's first read (`HEAD_BYTES` in `load/mod.rs`).
const HEAD: usize = 8 * 1024;

/// `text` followed by a `//` comment line that makes it `at` bytes long.
fn pad_to(text: &str, at: usize) -> String {
    let mut out = text.to_owned();
    out.push_str("// ");
    while out.len() + 1 < at {
        out.push('x');
    }
    out.push('\n');
    assert_eq!(out.len(), at, "padding overshot");
    out
}

/// Files whose package clause or imports cross the first read in every way that matters, with
/// the imports each must report.
fn files() -> Vec<(&'static str, String, Vec<String>)> {
    let mut files = Vec::new();
    // A licence longer than the first read: the package clause is beyond it.
    let licence = format!(
        "{}\npackage p\n\nimport \"a/licence\"\n",
        "// Licence text.\n".repeat(700)
    );
    files.push(("licence.go", licence, vec!["a/licence".to_owned()]));
    // More imports than fit.
    let many: String = (0..600).map(|i| format!("\t\"a/many{i}\"\n")).collect();
    let many_src = format!("package p\n\nimport (\n{many})\n\nfunc F() {{}}\n");
    let many_imports = (0..600).map(|i| format!("a/many{i}")).collect();
    files.push(("many.go", many_src, many_imports));
    // The cut inside the keyword of a second import declaration, at its end, inside a block
    // comment between imports, and just after the last import (the next token not complete).
    for (name, offset) in [
        ("in_keyword.go", 3),
        ("after_keyword.go", 6),
        ("at_path.go", 8),
    ] {
        let head = pad_to("package p\n\nimport \"a/first\"\n", HEAD - offset);
        let src = format!("{head}import \"a/second\"\n\nvar V int\n");
        files.push((name, src, vec!["a/first".to_owned(), "a/second".to_owned()]));
    }
    let head = pad_to("package p\n\nimport \"a/first\"\n", HEAD - 4);
    let src = format!("{head}/* a comment\nacross the cut */\nimport \"a/second\"\nvar V int\n");
    files.push((
        "comment.go",
        src,
        vec!["a/first".to_owned(), "a/second".to_owned()],
    ));
    let head = pad_to("package p\n\nimport \"a/first\"\n", HEAD - 2);
    let src = format!("{head}\nfunc G() {{}}\n");
    files.push(("next_decl.go", src, vec!["a/first".to_owned()]));
    // A build constraint before a package clause beyond the first read still excludes the
    // file (and so its package, which has no other).
    let src = format!("//go:build ignore\n\n{}package p\n", pad_to("", HEAD + 100));
    files.push(("ignored.go", src, Vec::new()));
    files
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gofed-load-heads-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    dir
}

#[test]
fn heads_load_as_whole_files_do() {
    let root = temp_dir("each");
    let mut memory = MemoryTree::new(&root);
    for (name, src, _) in files() {
        // One package per file, so that each file's imports are seen alone.
        let dir = Path::new(name.trim_end_matches(".go"));
        std::fs::create_dir_all(root.join(dir)).expect("a package directory");
        std::fs::write(root.join(dir).join(name), &src).expect("a written file");
        memory
            .insert_file(&dir.join(name), src.into_bytes())
            .expect("a relative path");
    }
    let from_disk = load_tree(&OsFileTree, &root, &super::load_config()).expect("the tree loads");
    let from_memory = load_tree(&memory, &root, &super::load_config()).expect("the tree loads");
    let _ = std::fs::remove_dir_all(&root);
    assert_eq!(from_disk.packages, from_memory.packages);
    for (name, _, imports) in files() {
        let path = format!("example.com/m/{}", name.trim_end_matches(".go"));
        let pkg = from_disk.packages.iter().find(|p| p.import_path == path);
        if name == "ignored.go" {
            assert!(pkg.is_none(), "{path} is excluded");
            continue;
        }
        let pkg = pkg.unwrap_or_else(|| panic!("{path} is loaded"));
        let mut want = imports.clone();
        want.sort();
        assert_eq!(pkg.imports, want, "{name}");
        assert_eq!(pkg.go_files, [name], "{name}");
    }
}
