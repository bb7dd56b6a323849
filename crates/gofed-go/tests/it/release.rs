//! Memory of a whole-tree API check: a transient parse cache holds a file only from its
//! prefetch until its import, and a program releases a checked package's syntax trees and
//! bytes, getting them back (the same trees) if a later resolution needs a declaration.

use std::path::Path;
use std::sync::{Arc, Weak};

use gofed_go::api::source::{ParseCache, TreeSource};
use gofed_go::api::{extract_package, render_goapi};
use gofed_go::build::{Context, Selector};
use gofed_go::constant::StringStyle;
use gofed_go::load::{load_tree, LoadConfig, MemoryTree, Project};
use gofed_go::types::{ObjKind, Program, Sizes, SourceFile};

fn tree(files: &[(&str, &str)]) -> MemoryTree {
    let mut tree = MemoryTree::new(Path::new("/m"));
    for (rel, src) in files {
        tree.insert_file(Path::new(rel), src.as_bytes().to_vec())
            .expect("a plain relative path");
    }
    tree
}

fn load(tree: &MemoryTree) -> Project {
    load_tree(tree, Path::new("/m"), &super::load_config()).expect("loads")
}

/// `a` uses `b.T` only through a function; `b.T`'s underlying type names an unexported type
/// that nothing resolves before `b` is released.
const FILES: &[(&str, &str)] = &[
    (
        "a/a.go",
        "package a\n\nimport \"example.com/m/b\"\n\nfunc F() b.T { return b.T{} }\n",
    ),
    (
        "b/b.go",
        "package b\n\ntype T struct{ x inner }\n\ntype inner struct{ n [size]int }\n\nconst size = 4\n",
    ),
    ("b/c.go", "package b\n\nfunc G() {}\n"),
];

#[test]
fn a_transient_cache_holds_a_file_only_until_it_is_imported() {
    let tree = tree(FILES);
    let project = load(&tree);
    let source = TreeSource::new(&tree, &[&project], Arc::new(ParseCache::transient()));
    let cache = Arc::new(ParseCache::transient());
    let source_with = TreeSource::new(&tree, &[&project], Arc::clone(&cache));
    source_with.prefetch(["example.com/m/a", "example.com/m/b"]);
    assert_eq!(cache.len(), 3, "prefetched files wait for their import");
    let b = source_with.input("example.com/m/b").expect("package b");
    assert_eq!(b.files.len(), 2);
    assert_eq!(cache.len(), 1, "the import took b's two files");
    // Asked again, the files are parsed again: the cache did not keep them.
    let again = source_with.input("example.com/m/b").expect("package b");
    assert!(!Arc::ptr_eq(&b.files[0], &again.files[0]));
    assert_eq!(cache.len(), 1);
    // A cache that keeps files gives the same file twice.
    let keeping = Arc::new(ParseCache::default());
    let source_keep = TreeSource::new(&tree, &[&project], Arc::clone(&keeping));
    let first = source_keep.input("example.com/m/b").expect("package b");
    let second = source_keep.input("example.com/m/b").expect("package b");
    assert!(Arc::ptr_eq(&first.files[0], &second.files[0]));
    assert_eq!(keeping.len(), 2);
    assert!(source.input("example.com/m/a").is_some());
}

#[test]
fn a_prefetch_that_comes_after_the_import_keeps_nothing() {
    // The check parses ahead in the background: the import may come first, and a file the
    // prefetch parsed then would stay in the cache for good.
    let tree = tree(FILES);
    let project = load(&tree);
    let cache = Arc::new(ParseCache::transient());
    let source = TreeSource::new(&tree, &[&project], Arc::clone(&cache));
    assert!(source.input("example.com/m/b").is_some());
    source.prefetch(["example.com/m/b"]);
    assert!(cache.is_empty(), "b was imported already");
    source.prefetch(["example.com/m/a", "example.com/m/b"]);
    assert_eq!(cache.len(), 1, "only a's file waits");
    // Prefetch and import at once, on many threads: every import gets its files, and the
    // cache ends empty.
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| source.prefetch(["example.com/m/a"]));
            s.spawn(|| {
                assert_eq!(
                    source.input("example.com/m/a").map(|p| p.files.len()),
                    Some(1)
                )
            });
        }
    });
    assert!(cache.is_empty());
}

#[test]
fn released_syntax_trees_are_freed_and_come_back_when_needed() {
    let tree = tree(FILES);
    let project = load(&tree);
    let source = TreeSource::new(&tree, &[&project], Arc::new(ParseCache::transient()));
    let mut program = Program::new(&source, Sizes::for_arch("amd64"));
    let a = program.package("", "example.com/m/a").expect("package a");
    let api = extract_package(&mut program, a, StringStyle::Current);
    assert_eq!(
        render_goapi(std::slice::from_ref(&api)),
        "pkg example.com/m/a, func F() b.T\n"
    );
    let b = program
        .package_by_path("example.com/m/b")
        .expect("a imported b");
    let weak: Vec<Weak<SourceFile>> = program.pkg(b).files.iter().map(Arc::downgrade).collect();
    assert_eq!(weak.len(), 2);

    assert!(program.release_files(b));
    assert!(program.files_released(b));
    assert!(program.pkg(b).files.is_empty());
    // Nothing else held b's trees and bytes: they are freed.
    assert!(weak.iter().all(|w| w.upgrade().is_none()));
    assert!(!program.release_files(b), "already released");

    // b.T's fields were never resolved: that needs b's declarations, so its files come back
    // (read and parsed again) and give the same answer as before the release.
    let t = *program.pkg(b).scope.get("T").expect("b.T");
    let ObjKind::TypeName { ty, .. } = program.object(t).kind.clone() else {
        panic!("b.T is a type name");
    };
    let under = program.underlying(ty);
    let text = gofed_go::types::typestring::type_string(&mut program, under, None);
    assert_eq!(text, "struct{x example.com/m/b.inner}");
    assert!(!program.files_released(b), "the files are back");
    assert_eq!(program.pkg(b).files.len(), 2);
    let size = *program.pkg(b).scope.get("size").expect("b.size");
    assert!(matches!(program.object(size).kind, ObjKind::Const { .. }));
    assert!(program.package_diagnostics(b).is_empty());
}

#[test]
fn a_package_with_errors_keeps_its_files_for_their_positions() {
    let tree = tree(&[
        ("a/a.go", "package a\n\nvar V undefined\n"),
        ("s/s.go", "package s\n\nfunc F( {\n"),
    ]);
    let project = load(&tree);
    let source = TreeSource::new(&tree, &[&project], Arc::new(ParseCache::transient()));
    let mut program = Program::new(&source, Sizes::for_arch("amd64"));
    for path in ["example.com/m/a", "example.com/m/s"] {
        let id = program.package("", path).expect("package");
        let _ = extract_package(&mut program, id, StringStyle::Current);
        assert!(
            !program.package_diagnostics(id).is_empty(),
            "{path} has errors"
        );
        assert!(!program.release_files(id), "{path} keeps its files");
        assert!(!program.pkg(id).files.is_empty());
    }
}

#[test]
fn a_goroot_source_reads_the_files_the_loader_did_not_keep() {
    use gofed_go::api::source::GorootSource;
    use gofed_go::types::PackageSource as _;
    let tree = tree(&[
        ("g/VERSION", "go1.27.3\n"),
        ("g/src/runtime/r.go", "package runtime\n"),
        (
            "g/src/strings/s.go",
            "package strings\n\ntype Builder struct{ buf []byte }\n",
        ),
        (
            "m/a/a.go",
            "package a\n\nimport \"strings\"\n\nvar B strings.Builder\n",
        ),
    ]);
    let config = LoadConfig {
        selector: Selector::Single(Context::for_go(27, "linux", "amd64")),
        go_minor: Some(27),
        import_path: None,
        include_vendor: false,
        skip_tests: true,
        keep_sources: false,
    };
    let goroot = GorootSource::new(
        &tree,
        Path::new("/m/g/src").to_path_buf(),
        config,
        Arc::new(ParseCache::transient()),
    );
    let strings = goroot.import("a", "strings").expect("strings");
    assert_eq!(strings.files.len(), 1);
    assert_eq!(
        strings.files[0].ast.decls.len(),
        1,
        "the file was read and parsed"
    );
}
