//! SOURCEs that are not directories (issue #10): archives made with the real `tar`, read in memory, give the
//! outputs of the directories they came from, in-process and on real `gofed serve` + `gofed registry` processes;
//! URLs and forge shorthands are downloaded from a server on loopback into the cache, once; an unrecognised file
//! is an error naming it.

use crate::common;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use crate::common::file_server::FileServer;
use crate::common::system::{serve, wait_registered, Process};
use crate::common::{git, stdout_of, write};

use crate::raw_tar;
use crate::rpmbuild;

/// A module with two packages and an external import, and a tree with neither go.mod nor GOPATH.
fn trees(dir: &Path) {
    let m = dir.join("m-1.0");
    write(
        &m,
        "go.mod",
        "module example.com/m\n\ngo 1.21\n\nrequire golang.org/x/text v0.3.0\n",
    );
    write(
        &m,
        "a/a.go",
        "package a\n\n// T is a thing.\ntype T struct{ N int }\n\nfunc New(n int) *T { return &T{N: n} }\n\nconst Max = 10\n",
    );
    write(
        &m,
        "b/b.go",
        "package b\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/m/a\"\n\t\"golang.org/x/text/language\"\n)\n\nfunc Tag() language.Tag { return language.English }\n\nfunc Show(t *a.T) string { return fmt.Sprint(t.N) }\n",
    );
    write(
        &m,
        "b/b_test.go",
        "package b\n\nimport \"testing\"\n\nfunc TestX(t *testing.T) {}\n",
    );
    let plain = dir.join("plain");
    write(&plain, "p/p.go", "package p\n\nimport \"strings\"\n\nfunc Up(s string) string { return strings.ToUpper(s) }\n");
    write(&plain, "q/q.go", "package q\n\nvar V = 1\n");
}

/// `tar ARGS` in `dir`.
fn tar(dir: &Path, args: &[&str]) {
    let status = Command::new("tar")
        .current_dir(dir)
        .args(args)
        .status()
        .expect("run tar");
    assert!(status.success(), "tar {args:?}");
}

/// `gofed ARGS` with `envs`, nothing from the caller's GOROOT, placement, registry or cache.
fn run(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut command = common::gofed_command();
    command
        .args(args)
        .env_remove("GOROOT")
        .env_remove("GOFED_PLACEMENT")
        .env_remove("GOFED_REGISTRY")
        .env_remove("GOFED_CACHE_DIR");
    for (name, value) in envs {
        command.env(name, value);
    }
    command.output().expect("run gofed")
}

/// `gofed api DIR --format goapi`, which must succeed.
fn goapi_of(dir: &Path) -> String {
    let dir = dir.to_string_lossy();
    stdout_of(
        &run(&["api", &dir, "--format", "goapi"], &[]),
        &format!("api {dir}"),
    )
}

/// The JSON of `out` without `meta.source` (what a directory's output has not).
fn without_source(json: &str) -> (serde_json::Value, serde_json::Value) {
    let mut value: serde_json::Value = serde_json::from_str(json).expect("JSON");
    let source = value
        .get_mut("meta")
        .and_then(|meta| meta.as_object_mut())
        .and_then(|meta| meta.remove("source"))
        .unwrap_or(serde_json::Value::Null);
    // deps has a meta only for artifacts.
    if value
        .get("meta")
        .is_some_and(|m| m.as_object().is_some_and(|o| o.is_empty()))
        && value.get("root").is_some()
    {
        value.as_object_mut().expect("object").remove("meta");
    }
    (value, source)
}

fn sha256_of(path: &Path) -> String {
    let out = Command::new("sha256sum")
        .arg(path)
        .output()
        .expect("run sha256sum");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .expect("a hash")
        .to_owned()
}

#[test]
fn archives_give_the_outputs_of_their_directories_locally_and_remotely() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    trees(d);
    tar(d, &["-czf", "m-1.0.tar.gz", "m-1.0"]);
    tar(d, &["-cJf", "m-1.0.tar.xz", "m-1.0"]);
    tar(d, &["-cjf", "m-1.0.tar.bz2", "m-1.0"]);
    tar(d, &["--zstd", "-cf", "m-1.0.tar.zst", "m-1.0"]);
    tar(d, &["-cf", "plain.tar", "plain"]);
    let zipped = Command::new("python3")
        .current_dir(d)
        .args(["-m", "zipfile", "-c", "m-1.0.zip", "m-1.0"])
        .status()
        .expect("run python3");
    assert!(zipped.success(), "python3 -m zipfile");
    let p = |rel: &str| d.join(rel).to_string_lossy().into_owned();

    // Text formats: the same bytes; JSON: the same document, plus meta.source.
    let pairs = [
        ("m-1.0", "m-1.0.tar.gz"),
        ("m-1.0", "m-1.0.tar.xz"),
        ("m-1.0", "m-1.0.tar.bz2"),
        ("m-1.0", "m-1.0.tar.zst"),
        ("m-1.0", "m-1.0.zip"),
        ("plain", "plain.tar"),
    ];
    let runs: [&[&str]; 4] = [
        &["api", "--format", "goapi"],
        &["api", "--format", "json"],
        &["deps"],
        &["deps", "--format", "json", "--tests", "--std"],
    ];
    for (tree, archive) in pairs {
        for args in runs {
            let (tree, archive) = (p(tree), p(archive));
            let with = |source: &str| {
                let mut all = vec![args[0], source];
                all.extend_from_slice(&args[1..]);
                stdout_of(&run(&all, &[]), &format!("{all:?}"))
            };
            let (from_dir, from_archive) = (with(&tree), with(&archive));
            assert!(!from_dir.trim().is_empty(), "{args:?} {tree}");
            if args.contains(&"json") {
                let (dir_json, dir_source) = without_source(&from_dir);
                let (archive_json, source) = without_source(&from_archive);
                assert_eq!(
                    dir_source,
                    serde_json::Value::Null,
                    "a directory has no meta.source"
                );
                assert_eq!(dir_json, archive_json, "{args:?} {archive}");
                assert_eq!(source["name"], archive.as_str());
                assert_eq!(source["sha256"], sha256_of(Path::new(&archive)).as_str());
                // The kind is told by content; here each file's name says what it holds.
                let kind = archive
                    .rsplit_once("m-1.0.")
                    .or_else(|| archive.rsplit_once("plain."))
                    .map_or("", |(_, kind)| kind);
                assert_eq!(source["kind"], kind, "{source}");
                let top = Path::new(&tree)
                    .file_name()
                    .expect("name")
                    .to_string_lossy()
                    .into_owned();
                assert_eq!(source["root"], top.as_str(), "{source}");
            } else {
                assert_eq!(from_dir, from_archive, "{args:?} {archive}");
            }
        }
    }
    // The outputs say what the trees hold (equal outputs are not equal emptiness).
    let api = stdout_of(
        &run(&["api", &p("m-1.0.tar.gz"), "--format", "goapi"], &[]),
        "api",
    );
    assert!(
        api.contains("pkg example.com/m/a, func New(int) *T"),
        "{api}"
    );
    let deps = stdout_of(&run(&["deps", &p("m-1.0.tar.xz")], &[]), "deps");
    assert!(deps.contains("golang.org/x/text"), "{deps}");

    // apidiff and depsdiff take any SOURCE on either side.
    let same = run(&["apidiff", &p("m-1.0"), &p("m-1.0.tar.gz")], &[]);
    assert_eq!(
        same.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&same.stderr)
    );
    let depsdiff = run(
        &[
            "depsdiff",
            &p("m-1.0.tar.xz"),
            &p("m-1.0"),
            "--format",
            "json",
        ],
        &[],
    );
    let depsdiff: serde_json::Value =
        serde_json::from_str(&stdout_of(&depsdiff, "depsdiff")).expect("JSON");
    assert_eq!(
        depsdiff["meta"]["old_source"]["kind"], "tar.xz",
        "{depsdiff}"
    );
    assert!(
        depsdiff["meta"].get("new_source").is_none(),
        "a directory: {depsdiff}"
    );

    // Remotely: the archive itself is uploaded, once, and the service prints what the in-process call prints.
    let registry = Process::start(&["registry", "--listen", "127.0.0.1:0"], &[]);
    let blobs = d.join("blobs");
    let _server = serve(&["api", "deps", "filestorage"], &registry.url, 6000, &blobs);
    wait_registered(&registry.url, "filestorage");
    let remote_flags = ["--registry", registry.url.as_str(), "--remote"];
    let archives = [p("m-1.0.tar.gz"), p("plain.tar")];
    let remote_runs: Vec<Vec<&str>> = archives
        .iter()
        .flat_map(|a| {
            [
                vec!["api", a.as_str(), "--format", "json"],
                vec!["api", a.as_str(), "--format", "goapi"],
                vec!["deps", a.as_str(), "--format", "json"],
                vec!["deps", a.as_str()],
            ]
        })
        .chain([
            vec![
                "apidiff",
                archives[0].as_str(),
                archives[0].as_str(),
                "--format",
                "json",
            ],
            vec![
                "depsdiff",
                archives[1].as_str(),
                archives[0].as_str(),
                "--format",
                "json",
            ],
        ])
        .collect();
    let mut stored = 0;
    for round in 0..2 {
        for args in &remote_runs {
            let local = stdout_of(&run(args, &[]), &format!("local {args:?}"));
            let mut all: Vec<&str> = remote_flags.to_vec();
            all.extend_from_slice(args);
            let remote = stdout_of(&run(&all, &[]), &format!("remote {args:?}"));
            assert!(
                local == remote,
                "{args:?}: local and remote differ:\n--- local\n{local}\n--- remote\n{remote}"
            );
        }
        let count = std::fs::read_dir(blobs.join("sha256"))
            .map(|entries| entries.count())
            .unwrap_or(0);
        if round == 0 {
            stored = count;
            assert!(stored >= 1, "the archives were uploaded");
        } else {
            assert_eq!(count, stored, "a second round uploads nothing new");
        }
    }
}

#[test]
fn urls_and_forge_shorthands_are_downloaded_once_into_the_cache() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    trees(d);
    tar(d, &["-czf", "m-1.0.tar.gz", "m-1.0"]);
    let bytes = std::fs::read(d.join("m-1.0.tar.gz")).expect("read");
    let server = FileServer::start(vec![
        ("/files/m-1.0.tar.gz".to_owned(), bytes.clone()),
        ("/o/m/tar.gz/v1.0".to_owned(), bytes),
    ]);
    let cache = d.join("cache");
    let cache_s = cache.to_string_lossy().into_owned();
    let envs = [
        ("GOFED_CACHE_DIR", cache_s.as_str()),
        ("GOFED_GITHUB_URL", server.url.as_str()),
    ];
    let from_dir = goapi_of(&d.join("m-1.0"));
    assert!(from_dir.contains("pkg example.com/m/a"), "{from_dir}");

    let url = format!("{}/files/m-1.0.tar.gz", server.url);
    for (source, path) in [
        (url.as_str(), "/files/m-1.0.tar.gz"),
        ("github.com/o/m@v1.0", "/o/m/tar.gz/v1.0"),
    ] {
        for round in 1..=2 {
            let out = stdout_of(&run(&["api", source, "--format", "goapi"], &envs), source);
            assert_eq!(out, from_dir, "{source}: the API of the directory");
            assert_eq!(
                server.hits(path),
                1,
                "{source}, run {round}: downloaded once, then from the cache"
            );
        }
        let json = stdout_of(&run(&["deps", source, "--format", "json"], &envs), source);
        let (_, meta) = without_source(&json);
        assert_eq!(meta["name"], source);
        assert_eq!(meta["kind"], "tar.gz");
        assert_eq!(meta["root"], "m-1.0");
        assert_eq!(server.hits(path), 1, "{source}: deps used the cache too");
    }
    // A branch's archive changes: the cache answers the old one until --refresh downloads the new one, which
    // replaces it.
    write(
        &d.join("m-1.0"),
        "a/more.go",
        "package a\n\nfunc Added() {}\n",
    );
    tar(d, &["-czf", "m-1.0.tar.gz", "m-1.0"]);
    server.replace(
        "/files/m-1.0.tar.gz",
        std::fs::read(d.join("m-1.0.tar.gz")).expect("read"),
    );
    let goapi = |extra: &[&str]| {
        let mut args = vec!["api", url.as_str(), "--format", "goapi"];
        args.extend_from_slice(extra);
        stdout_of(&run(&args, &envs), &format!("{args:?}"))
    };
    assert_eq!(goapi(&[]), from_dir, "the cached archive");
    let refreshed = goapi(&["--refresh"]);
    assert!(
        refreshed.contains("pkg example.com/m/a, func Added()"),
        "{refreshed}"
    );
    assert_eq!(
        server.hits("/files/m-1.0.tar.gz"),
        2,
        "--refresh downloads again"
    );
    assert_eq!(
        goapi(&[]),
        refreshed,
        "the refreshed archive is the cached one now"
    );
    // The cache holds the downloads, nothing was unpacked on disk.
    let cached: Vec<PathBuf> = std::fs::read_dir(cache.join("downloads"))
        .expect("downloads")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(cached.len(), 2, "{cached:?}");

    // A URL that answers 404 names the URL and the status.
    let missing = format!("{}/nothing.tar.gz", server.url);
    let out = run(&["api", &missing], &envs);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&missing) && stderr.contains("404"),
        "{stderr}"
    );
}

#[test]
fn an_unrecognised_file_is_an_error_naming_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("notes.tar.gz");
    std::fs::write(&file, "these are notes, not an archive\n").expect("write");
    let name = file.to_string_lossy().into_owned();
    for command in ["api", "deps", "packages"] {
        let out = run(&[command, &name], &[]);
        assert_eq!(out.status.code(), Some(2), "{command}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&name) && stderr.contains("unrecognised"),
            "{command}: {stderr}"
        );
    }
    let out = run(
        &["apidiff", dir.path().to_str().expect("utf-8"), &name],
        &[],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&name) && stderr.contains("new version"),
        "{stderr}"
    );
}

#[test]
fn rpms_and_source_rpms_give_the_outputs_of_their_upstream_tree_locally_and_remotely() {
    let test = "rpms_and_source_rpms_give_the_outputs_of_their_upstream_tree_locally_and_remotely";
    let Some(rpmbuild) = rpmbuild::rpmbuild(test) else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    trees(d);
    let top = d.join("rpmbuild");
    write(&top, "SPECS/golang-example-m.spec", common::GOLANG_SPEC);
    std::fs::create_dir_all(top.join("SOURCES")).expect("SOURCES");
    tar(d, &["-czf", "rpmbuild/SOURCES/m-1.0.tar.gz", "m-1.0"]);
    let spec = top.join("SPECS/golang-example-m.spec");
    let built = rpmbuild::rpmbuild_in(&rpmbuild, &top, &["-ba", spec.to_str().expect("utf-8")]);
    let named = |part: &str| {
        built
            .iter()
            .find(|p| p.to_string_lossy().contains(part))
            .unwrap_or_else(|| panic!("{part} among {built:?}"))
    };
    // The source RPM sits beside the tree, so that its Source0 (top directory m-1.0) mounts where the tree is and
    // positions are the same; the devel RPM's files are at /usr/share/gocode/src/example.com/m.
    let srpm = d.join("golang-example-m-1.0-3.fc42.src.rpm");
    std::fs::copy(named(".src.rpm"), &srpm).expect("copy the source RPM");
    let rpm = named("-devel-1.0-3.fc42").clone();
    let (tree, srpm, rpm) = (
        d.join("m-1.0").to_string_lossy().into_owned(),
        srpm.to_string_lossy().into_owned(),
        rpm.to_string_lossy().into_owned(),
    );
    let installed = "/usr/share/gocode/src/example.com/m";
    let runs: [&[&str]; 4] = [
        &["api", "--format", "goapi"],
        &["api", "--format", "json"],
        &["deps"],
        &["deps", "--format", "json", "--tests", "--std"],
    ];
    for args in runs {
        let with = |source: &str| {
            let mut all = vec![args[0], source];
            all.extend_from_slice(&args[1..]);
            stdout_of(&run(&all, &[]), &format!("{all:?}"))
        };
        let from_tree = with(&tree);
        assert!(!from_tree.trim().is_empty(), "{args:?}");
        for (source, kind) in [(&srpm, "srpm"), (&rpm, "rpm")] {
            let out = with(source);
            if !args.contains(&"json") {
                assert_eq!(from_tree, out, "{args:?} {source}");
                continue;
            }
            // Positions name the files where the package installs them.
            let out = out.replace(installed, &tree);
            let (tree_json, _) = without_source(&from_tree);
            let (json, meta) = without_source(&out);
            assert_eq!(tree_json, json, "{args:?} {source}");
            assert_eq!(meta["kind"], kind, "{meta}");
            assert_eq!(meta["version"], "1.0", "{meta}");
            assert_eq!(meta["release"], "3.fc42", "{meta}");
            assert_eq!(meta["sha256"], sha256_of(Path::new(source)).as_str());
            if kind == "rpm" {
                assert_eq!(meta["import_path"], "example.com/m", "{meta}");
            } else {
                assert_eq!(meta["root"], "m-1.0", "{meta}");
                let others = meta["others"].to_string();
                assert!(others.contains("golang-example-m.spec"), "{meta}");
            }
        }
    }
    let api = stdout_of(&run(&["api", &rpm, "--format", "goapi"], &[]), "api rpm");
    assert!(
        api.contains("pkg example.com/m/a, func New(int) *T"),
        "{api}"
    );
    assert_eq!(
        without_source(&stdout_of(
            &run(&["api", &rpm, "--format", "json"], &[]),
            "api rpm"
        ))
        .1["source_rpm"],
        "golang-example-m-1.0-3.fc42.src.rpm"
    );

    // --store records each package by name, version, release and distribution (from the dist tag).
    let store = format!("GOFED_STORE=sqlite:{}", d.join("store").display());
    let store = [("GOFED_STORE", &store["GOFED_STORE=".len()..])];
    for args in [
        vec!["api", rpm.as_str(), "--store", "--format", "goapi"],
        vec!["deps", srpm.as_str(), "--store"],
    ] {
        stdout_of(&run(&args, &store), &format!("{args:?}"));
    }
    let packages = stdout_of(
        &run(&["store", "list", "packages", "--format", "json"], &store),
        "store list packages",
    );
    let packages: serde_json::Value = serde_json::from_str(&packages).expect("JSON");
    // The binary package by its own name, the source package by the spec's.
    let package = |name: &str| {
        serde_json::json!({
            "name": name,
            "version": "1.0",
            "release": "3.fc42",
            "distro": "fedora:42",
            "source_rpm": "golang-example-m-1.0-3.fc42.src.rpm",
        })
    };
    assert_eq!(
        packages["items"],
        serde_json::json!([
            package("golang-example-m-devel"),
            package("golang-example-m")
        ]),
        "{packages}"
    );

    // Remotely, each package is uploaded as it is and opened by the service: the same bytes.
    let registry = Process::start(&["registry", "--listen", "127.0.0.1:0"], &[]);
    let _server = serve(
        &["api", "deps", "filestorage"],
        &registry.url,
        6000,
        &d.join("blobs"),
    );
    wait_registered(&registry.url, "filestorage");
    for source in [&srpm, &rpm] {
        for args in [
            vec!["api", source.as_str(), "--format", "json"],
            vec!["api", source.as_str(), "--format", "goapi"],
            vec!["deps", source.as_str(), "--format", "json"],
        ] {
            let local = stdout_of(&run(&args, &[]), &format!("local {args:?}"));
            let mut all = vec!["--registry", registry.url.as_str(), "--remote"];
            all.extend_from_slice(&args);
            let remote = stdout_of(&run(&all, &[]), &format!("remote {args:?}"));
            assert!(
                local == remote,
                "{args:?}:\n--- local\n{local}\n--- remote\n{remote}"
            );
        }
    }
}

/// What a directory holds, to compare before and after: every entry below it (symbolic links not followed) with
/// its kind and content or target.
fn snapshot(dir: &Path) -> std::collections::BTreeMap<PathBuf, String> {
    let mut found = std::collections::BTreeMap::new();
    let mut todo = vec![dir.to_owned()];
    while let Some(at) = todo.pop() {
        for entry in std::fs::read_dir(&at).expect("read dir").flatten() {
            let path = entry.path();
            let meta = std::fs::symlink_metadata(&path).expect("metadata");
            let what = if meta.is_dir() {
                todo.push(path.clone());
                "directory".to_owned()
            } else if meta.file_type().is_symlink() {
                format!("link to {:?}", std::fs::read_link(&path).expect("link"))
            } else {
                format!("file {:?}", std::fs::read(&path).expect("read"))
            };
            found.insert(path, what);
        }
    }
    found
}

#[test]
fn hostile_sources_write_nothing_outside_the_cache() {
    use raw_tar::raw_entry;
    use tar::EntryType as T;
    let dir = tempfile::tempdir().expect("temp dir");
    let w = dir.path();
    // The canary: what a traversal, an absolute path or a link would overwrite or add to.
    write(w, "canary/a.txt", "canary\n");
    write(w, "canary/sub/b.go", "package sub\n");
    let canary = w.join("canary");
    let canary_s = canary.to_string_lossy().into_owned();
    std::fs::create_dir_all(w.join("work")).expect("work");
    std::fs::create_dir_all(w.join("home")).expect("home");

    let mut hostile = tar::Builder::new(Vec::new());
    raw_entry(
        &mut hostile,
        b"p/ok.go",
        T::Regular,
        None,
        b"package p\n\nfunc OK() {}\n",
    );
    raw_entry(
        &mut hostile,
        b"../canary/a.txt",
        T::Regular,
        None,
        b"owned\n",
    );
    raw_entry(
        &mut hostile,
        b"p/../../canary/new.go",
        T::Regular,
        None,
        b"package x\n",
    );
    let absolute = format!("{canary_s}/abs.go");
    raw_entry(
        &mut hostile,
        absolute.as_bytes(),
        T::Regular,
        None,
        b"package x\n",
    );
    raw_entry(
        &mut hostile,
        b"p/link",
        T::Symlink,
        Some(canary_s.as_bytes()),
        b"",
    );
    raw_entry(
        &mut hostile,
        b"p/link/evil.go",
        T::Regular,
        None,
        b"package x\n",
    );
    let target = format!("{canary_s}/a.txt");
    raw_entry(
        &mut hostile,
        b"p/hard",
        T::Link,
        Some(target.as_bytes()),
        b"",
    );
    raw_entry(&mut hostile, b"p/fifo", T::Fifo, None, b"");
    raw_entry(&mut hostile, b"p/tty", T::Char, None, b"");
    let hostile = hostile.into_inner().expect("tar");
    write(w, "in/hostile.tar", &hostile);
    // The same entries in a zip, written by Python's zipfile (which writes any name it is given).
    let zip = w.join("in/hostile.zip");
    let python = format!(
        "import zipfile\nz = zipfile.ZipFile({zip:?}, 'w')\nfor n in ['p/ok.go', '../canary/a.txt', '{absolute}', 'p/../../canary/z.go']:\n    z.writestr(n, 'package p\\n')\nz.close()\n",
        zip = zip.to_string_lossy()
    );
    let status = Command::new("python3")
        .args(["-c", &python])
        .status()
        .expect("python3 runs");
    assert!(status.success(), "python3 wrote the zip");
    // A gzip bomb: 256 MiB of zeros in one entry; a truncated xz stream; a text file named .rpm.
    write(w, "bomb/p/zeros.go", "");
    let zeros = std::fs::File::options()
        .write(true)
        .open(w.join("bomb/p/zeros.go"))
        .expect("open");
    zeros.set_len(256 << 20).expect("a sparse file");
    tar(w, &["-czf", "in/bomb.tar.gz", "-C", "bomb", "p"]);
    std::fs::remove_dir_all(w.join("bomb")).expect("remove the bomb's source");
    trees(&w.join("tree"));
    tar(w, &["-cJf", "in/m.tar.xz", "-C", "tree", "m-1.0"]);
    std::fs::remove_dir_all(w.join("tree")).expect("remove the tree");
    let xz = std::fs::read(w.join("in/m.tar.xz")).expect("read");
    write(w, "in/truncated.tar.xz", &xz[..xz.len() / 2]);
    std::fs::remove_file(w.join("in/m.tar.xz")).expect("remove");
    write(w, "in/notes.rpm", "not an RPM\n");
    // The hostile tar again, as a download into the cache.
    let server = FileServer::start(vec![("/hostile.tar".to_owned(), hostile)]);
    let url = format!("{}/hostile.tar", server.url);

    let before = snapshot(w);
    let cache = w.join("cache");
    let (cache_s, home_s) = (
        cache.to_string_lossy().into_owned(),
        w.join("home").to_string_lossy().into_owned(),
    );
    let inputs = [
        "in/hostile.tar",
        "in/hostile.zip",
        "in/bomb.tar.gz",
        "in/truncated.tar.xz",
        "in/notes.rpm",
    ]
    .map(|rel| w.join(rel).to_string_lossy().into_owned());
    for source in inputs.iter().chain([&url]) {
        for command in ["api", "deps"] {
            let out = common::gofed_command()
                .args([command, source])
                .current_dir(w.join("work"))
                .env_remove("GOFED_PLACEMENT")
                .env_remove("GOFED_REGISTRY")
                .env("GOFED_CACHE_DIR", &cache_s)
                .env("HOME", &home_s)
                .env("XDG_CACHE_HOME", format!("{home_s}/.cache"))
                .output()
                .expect("run gofed");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                out.status.code() == Some(0) || out.status.code() == Some(2),
                "{command} {source}: exit {:?}: {stderr}",
                out.status
            );
            assert!(!stderr.contains("panicked"), "{command} {source}: {stderr}");
            // An error, or a warning for a skipped entry, names the input.
            assert!(
                stderr.contains(source.as_str()),
                "{command} {source}: {stderr}"
            );
            if source.ends_with("hostile.tar") || source.ends_with("hostile.zip") {
                assert!(out.status.success(), "{command} {source}: {stderr}");
                assert!(stderr.contains("../canary/a.txt"), "{stderr}");
                assert!(stderr.contains(&absolute), "{stderr}");
            }
        }
    }
    assert_eq!(server.hits("/hostile.tar"), 1, "downloaded once");
    let api = stdout_of(&run(&["api", &inputs[0], "--format", "goapi"], &[]), "api");
    // A tree without go.mod: the import path is `_/` and the directory the archive mounts at.
    let expected = format!("pkg _{}/in/p, func OK()\n", w.display());
    assert_eq!(api, expected, "only p/ok.go was read");
    // Nothing outside the cache changed: not the canary, not the inputs, not the working or home directory.
    let mut after = snapshot(w);
    after.retain(|path, _| !path.starts_with(&cache));
    assert_eq!(before, after);
}

#[test]
fn git_revisions_give_the_outputs_of_their_checkouts_locally_and_remotely() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    trees(d);
    // The repository holds the module at its top; v1 is tagged, then an API change is committed on main.
    let repo = d.join("m-1.0");
    git(&repo, &["init", "-q", "-b", "main"]);
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "v1"]);
    git(&repo, &["tag", "v1"]);
    let v1_commit = git(&repo, &["rev-parse", "v1^{commit}"]);
    // A checkout of v1, elsewhere, before the change.
    let checkout = d.join("checkout");
    git(
        d,
        &[
            "clone",
            "-q",
            repo.to_str().expect("utf-8"),
            checkout.to_str().expect("utf-8"),
        ],
    );
    write(&repo, "a/more.go", "package a\n\nfunc Added() {}\n");
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "v2"]);

    let repo_s = repo.to_string_lossy().into_owned();
    let at_v1 = format!("{repo_s}@v1");
    let goapi = |args: &[&str]| stdout_of(&run(args, &[]), &format!("{args:?}"));
    let from_checkout = goapi(&[
        "api",
        checkout.to_str().expect("utf-8"),
        "--format",
        "goapi",
    ]);
    assert!(!from_checkout.contains("Added"), "{from_checkout}");
    assert_eq!(
        goapi(&["api", &at_v1, "--format", "goapi"]),
        from_checkout,
        "PATH@REV"
    );
    assert_eq!(
        goapi(&["api", &repo_s, "--rev", "v1", "--format", "goapi"]),
        from_checkout,
        "--rev"
    );
    assert_eq!(
        goapi(&["deps", &at_v1]),
        goapi(&["deps", checkout.to_str().expect("utf-8")]),
        "deps"
    );
    let head = goapi(&["api", &format!("{repo_s}@main"), "--format", "goapi"]);
    assert!(head.contains("pkg example.com/m/a, func Added()"), "{head}");
    // A directory of the work tree at a revision is that directory of the revision (a module in a
    // subdirectory), at its place.
    let sub_at_v1 = format!("{repo_s}/a@v1");
    let sub = goapi(&["api", &sub_at_v1, "--format", "goapi"]);
    assert!(
        sub.contains(&format!("pkg _{repo_s}/a, func")) && !sub.contains("Added"),
        "{sub}"
    );
    std::fs::create_dir(repo.join("later")).expect("mkdir");
    let out = run(&["api", &format!("{repo_s}/later@v1")], &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("the revision has no directory \"later\""),
        "{stderr}"
    );

    let json = goapi(&["api", &at_v1, "--format", "json"]);
    let (_, source) = without_source(&json);
    assert_eq!(source["kind"], "git", "{source}");
    assert_eq!(source["revision"], v1_commit.as_str(), "{source}");
    assert_eq!(source["name"], at_v1.as_str(), "{source}");

    // Remotely, the revision's files are read here, packed and uploaded: the same bytes.
    let registry = Process::start(&["registry", "--listen", "127.0.0.1:0"], &[]);
    let _server = serve(
        &["api", "deps", "filestorage"],
        &registry.url,
        6000,
        &d.join("blobs"),
    );
    wait_registered(&registry.url, "filestorage");
    for args in [
        vec!["api", at_v1.as_str(), "--format", "json"],
        vec!["deps", at_v1.as_str(), "--format", "json"],
        vec!["api", sub_at_v1.as_str(), "--format", "json"],
    ] {
        let local = goapi(&args);
        let mut all = vec!["--registry", registry.url.as_str(), "--remote"];
        all.extend_from_slice(&args);
        let remote = goapi(&all);
        assert!(
            local == remote,
            "{args:?}:\n--- local\n{local}\n--- remote\n{remote}"
        );
    }
    // A directory that is no repository, with a revision, is an error naming it.
    let out = run(&["api", &format!("{}@v1", d.join("plain").display())], &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not in a git repository"), "{stderr}");
}

/// `openssl ARGS` in `dir`.
fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A child process killed when dropped.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn https_downloads_verify_the_server_with_the_trusted_certificates() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    trees(d);
    let www = d.join("www");
    std::fs::create_dir_all(&www).expect("mkdir");
    tar(d, &["-czf", "www/m-1.0.tar.gz", "m-1.0"]);
    // A CA, and a server certificate for 127.0.0.1 it signed.
    openssl(
        d,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=gofed test CA",
        ],
    );
    openssl(
        d,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "leaf.key",
            "-out",
            "leaf.csr",
            "-subj",
            "/CN=127.0.0.1",
        ],
    );
    std::fs::write(
        d.join("leaf.ext"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .expect("write");
    openssl(
        d,
        &[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "leaf.pem",
            "-days",
            "2",
            "-extfile",
            "leaf.ext",
        ],
    );
    // A real TLS server: `openssl s_server -WWW` serves the files of its directory.
    let port = TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("address")
        .port();
    let server = Command::new("openssl")
        .current_dir(&www)
        .args(["s_server", "-quiet", "-WWW", "-accept"])
        .arg(format!("127.0.0.1:{port}"))
        .args(["-cert", "../leaf.pem", "-key", "../leaf.key"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start openssl s_server");
    let _server = Killed(server);
    common::system::wait_until(Duration::from_secs(10), || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    })
    .expect("s_server listening");

    let url = format!("https://127.0.0.1:{port}/m-1.0.tar.gz");
    let expected = goapi_of(&d.join("m-1.0"));
    let ca = d.join("ca.pem").to_string_lossy().into_owned();
    // Not trusted: refused, naming the URL and why.
    let untrusted_cache = d.join("cache-untrusted").to_string_lossy().into_owned();
    let out = run(
        &["api", &url, "--format", "goapi"],
        &[
            ("GOFED_CACHE_DIR", &untrusted_cache),
            ("SSL_CERT_FILE", "/dev/null"),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&url) && stderr.contains("certificate"),
        "{stderr}"
    );
    // Trusted (SSL_CERT_FILE, as for any program using the system's store): the archive's API.
    let cache = d.join("cache").to_string_lossy().into_owned();
    let out = run(
        &["api", &url, "--format", "goapi"],
        &[("GOFED_CACHE_DIR", &cache), ("SSL_CERT_FILE", &ca)],
    );
    assert_eq!(stdout_of(&out, "api over https"), expected);
}
