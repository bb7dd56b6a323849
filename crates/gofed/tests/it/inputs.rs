//! The input storage services (issue #11): `tarballstorage` and `rpmstorage` fetch a forge archive and Koji's RPMs
//! from a server on loopback once into the download cache; `specstorage` and `packagestorage` read a dist-git
//! repository (real `git`, served by `git http-backend`, and as a `file://` URL) at branch heads and commits.
//! Each answer is compared with the bytes served or with what `git` itself shows; in-process (`gofed get`) and on
//! real `gofed serve` + `gofed registry` processes (`gofed --remote get`). Hostile names never leave the layout.

use std::path::Path;
use std::process::{Command, Output};

use crate::common;
use crate::common::file_server::FileServer;
use crate::common::git_http::GitHttpServer;
use crate::common::system::{wait_registered, Process};
use crate::common::{git, git_output, write};
use crate::rpmbuild;

/// `gofed ARGS` with `envs`, nothing from the caller's placement or registry.
fn run(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut command = common::gofed_command();
    command
        .args(args)
        .env_remove("GOFED_PLACEMENT")
        .env_remove("GOFED_REGISTRY")
        .env("GOFED_STORE", "off");
    for (name, value) in envs {
        command.env(name, value);
    }
    command.output().expect("run gofed")
}

/// The stdout of a run that must succeed.
fn bytes_of(out: &Output, what: &str) -> Vec<u8> {
    assert!(
        out.status.success(),
        "{what}: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout.clone()
}

/// The stderr of a run that must fail with exit status 2.
fn error_of(out: &Output, what: &str) -> String {
    assert_eq!(
        out.status.code(),
        Some(2),
        "{what} must fail: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The registry and one `gofed serve SERVICES filestorage` with `envs`, registered.
fn remote(services: &[&str], envs: &[(&str, &str)], blobs: &Path) -> (Process, Process) {
    let registry = Process::start(&["registry", "--listen", "127.0.0.1:0"], &[]);
    let mut args = vec!["serve"];
    args.extend_from_slice(services);
    args.extend_from_slice(&[
        "filestorage",
        "--listen",
        "127.0.0.1:0",
        "--registry",
        &registry.url,
    ]);
    let mut all: Vec<(&str, &Path)> = envs.iter().map(|(k, v)| (*k, Path::new(*v))).collect();
    all.push(("GOFED_BLOB_DIR", blobs));
    all.push(("GOFED_STORE", Path::new("off")));
    let server = Process::start(&args, &all);
    for service in services.iter().chain(&["filestorage"]) {
        wait_registered(&registry.url, service);
    }
    (registry, server)
}

const SPEC: &str = "Name: foo\nVersion: 1.0\nRelease: 1.fc41\nSummary: foo\nLicense: MIT\nBuildArch: noarch\n\
%description\nfoo\n%install\nmkdir -p %{buildroot}/usr/share/foo\necho hi > %{buildroot}/usr/share/foo/hi\n\
%files\n/usr/share/foo\n";

#[test]
fn koji_rpms_and_forge_archives_are_fetched_once_and_are_the_served_bytes() {
    let test = "koji_rpms_and_forge_archives_are_fetched_once_and_are_the_served_bytes";
    let Some(rpmbuild) = rpmbuild::rpmbuild(test) else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let top = d.join("rpmbuild");
    write(&top, "SPECS/foo.spec", SPEC);
    let spec = top.join("SPECS/foo.spec");
    let built = rpmbuild::rpmbuild_in(&rpmbuild, &top, &["-ba", spec.to_str().expect("utf-8")]);
    let read = |part: &str| {
        let path = built
            .iter()
            .find(|p| p.to_string_lossy().ends_with(part))
            .unwrap_or_else(|| panic!("{part} among {built:?}"));
        std::fs::read(path).expect("read the RPM")
    };
    let (rpm, srpm) = (
        read("foo-1.0-1.fc41.noarch.rpm"),
        read("foo-1.0-1.fc41.src.rpm"),
    );
    write(d, "r-1.0/r.go", "package r\n");
    let status = Command::new("tar")
        .current_dir(d)
        .args(["-czf", "r.tar.gz", "r-1.0"])
        .status()
        .expect("tar");
    assert!(status.success());
    let tarball = std::fs::read(d.join("r.tar.gz")).expect("tarball");
    let rpm_path = "/packages/foo/1.0/1.fc41/noarch/foo-1.0-1.fc41.noarch.rpm";
    let srpm_path = "/packages/foo/1.0/1.fc41/src/foo-1.0-1.fc41.src.rpm";
    // Koji serving a tarball where an RPM should be: refused, not stored as an RPM.
    let wrong_path = "/packages/bar/2/1.fc41/x86_64/bar-2-1.fc41.x86_64.rpm";
    let server = FileServer::start(vec![
        (rpm_path.to_owned(), rpm.clone()),
        (srpm_path.to_owned(), srpm.clone()),
        ("/o/r/tar.gz/v1.0".to_owned(), tarball.clone()),
        (wrong_path.to_owned(), tarball.clone()),
    ]);
    let koji = format!("{}/packages", server.url);
    let cache = d.join("cache");
    let blobs = d.join("blobs");
    let env = [
        ("GOFED_KOJI_URL", koji.as_str()),
        ("GOFED_GITHUB_URL", server.url.as_str()),
        ("GOFED_CACHE_DIR", cache.to_str().expect("utf-8")),
        ("GOFED_BLOB_DIR", blobs.to_str().expect("utf-8")),
    ];
    let out = d.join("out");
    let out_s = out.to_str().expect("utf-8");
    let gets: [(&[&str], &Vec<u8>); 3] = [
        (&["get", "rpm", "foo-1.0-1.fc41.noarch.rpm"], &rpm),
        (&["get", "rpm", "foo-1.0-1.fc41.src.rpm"], &srpm),
        (
            &["get", "tarball", "https://github.com/o/r", "v1.0"],
            &tarball,
        ),
    ];
    for round in 0..2 {
        for (args, expected) in gets {
            let mut with_output = args.to_vec();
            with_output.extend_from_slice(&["-o", out_s]);
            bytes_of(&run(&with_output, &env), &format!("{args:?}"));
            assert_eq!(
                std::fs::read(&out).expect("written"),
                **expected,
                "{args:?} round {round}"
            );
            // Without -o: the file id, the sha256 of the bytes.
            let id = bytes_of(&run(args, &env), &format!("{args:?}"));
            assert_eq!(
                String::from_utf8(id).expect("utf-8").trim(),
                gofed_artifact::sha256_hex(expected),
                "{args:?}"
            );
        }
    }
    for path in [rpm_path, srpm_path, "/o/r/tar.gz/v1.0"] {
        assert_eq!(server.hits(path), 1, "{path} is downloaded once");
    }
    let json: serde_json::Value = serde_json::from_slice(&bytes_of(
        &run(
            &["get", "rpm", "foo-1.0-1.fc41.src.rpm", "--format", "json"],
            &env,
        ),
        "json",
    ))
    .expect("JSON");
    assert_eq!(json["url"], format!("{}{srpm_path}", server.url), "{json}");
    assert_eq!(json["name"], "foo-1.0-1.fc41.src.rpm", "{json}");
    assert_eq!(json["file"]["size"], srpm.len(), "{json}");

    // What is not there, what is not an RPM, and names that would leave Koji's layout.
    let missing = error_of(
        &run(&["get", "rpm", "foo-9-1.fc41.noarch.rpm"], &env),
        "missing",
    );
    assert!(
        missing.contains("not found") && missing.contains("404"),
        "{missing}"
    );
    let wrong = error_of(
        &run(&["get", "rpm", "bar-2-1.fc41.x86_64.rpm"], &env),
        "wrong kind",
    );
    assert!(
        wrong.contains("is not a binary RPM but an archive"),
        "{wrong}"
    );
    for bad in [
        "foo.rpm",
        "..-1-1.x.rpm",
        "a%2f..-1-1.noarch.rpm",
        "x-1-1.fc41.no/arch.rpm",
    ] {
        let err = error_of(&run(&["get", "rpm", bad], &env), bad);
        assert!(err.contains("invalid input"), "{bad}: {err}");
    }
    let forge = error_of(
        &run(&["get", "tarball", "https://example.com/o/r", "v1"], &env),
        "unknown forge",
    );
    assert!(
        forge.contains("github.com, gitlab.com or bitbucket.org"),
        "{forge}"
    );
    assert_eq!(server.hits("/o/r/tar.gz/v1.0"), 1);

    // Remote: the services fetch into their own cache and store in their filestorage; the client reads it back.
    let remote_cache = d.join("remote-cache");
    let (_registry, instance) = remote(
        &["rpmstorage", "tarballstorage"],
        &[
            ("GOFED_KOJI_URL", &koji),
            ("GOFED_GITHUB_URL", &server.url),
            ("GOFED_CACHE_DIR", remote_cache.to_str().expect("utf-8")),
        ],
        &d.join("remote-blobs"),
    );
    let client_env = [
        ("GOFED_REGISTRY", _registry.url.as_str()),
        ("GOFED_CACHE_DIR", cache.to_str().expect("utf-8")),
    ];
    for (args, expected) in gets {
        let mut remote_args = vec!["--remote"];
        remote_args.extend_from_slice(args);
        remote_args.extend_from_slice(&["-o", "-"]);
        let got = bytes_of(&run(&remote_args, &client_env), &format!("{remote_args:?}"));
        assert_eq!(got, **expected, "{remote_args:?}");
    }
    let json: serde_json::Value = serde_json::from_slice(&bytes_of(
        &run(
            &[
                "--remote",
                "get",
                "rpm",
                "foo-1.0-1.fc41.noarch.rpm",
                "--format",
                "json",
            ],
            &client_env,
        ),
        "remote json",
    ))
    .expect("JSON");
    assert_eq!(json["file"]["origin"], instance.url, "{json}");
    for path in [rpm_path, srpm_path, "/o/r/tar.gz/v1.0"] {
        assert_eq!(
            server.hits(path),
            2,
            "{path}: once more, into the service's cache"
        );
    }
}

/// A dist-git repository of `golang-x` (in `work`): rawhide with a spec, two patches, `sources` and a patch in a
/// subdirectory; `f41` branched at the first commit; rawhide moved on. Returns the two commits.
fn dist_git(work: &Path) -> (String, String) {
    std::fs::create_dir_all(work).expect("mkdir");
    git(work, &["init", "-q", "-b", "rawhide"]);
    write(
        work,
        "golang-x.spec",
        "Name: golang-x\nVersion: 1\nPatch0: a.patch\n",
    );
    write(work, "a.patch", "--- a/x.go\n+++ b/x.go\n");
    write(work, "b.patch", "--- a/y.go\n+++ b/y.go\n");
    write(work, "sources", "SHA512 (x-1.tar.gz) = 00\n");
    write(work, "sub/c.patch", "not a downstream patch\n");
    git(work, &["add", "-A"]);
    git_output(
        work,
        &["commit", "-q", "-m", "one"],
        Some("1700000000 +0000"),
    );
    let first = git(work, &["rev-parse", "HEAD"]).trim().to_owned();
    git(work, &["branch", "f41"]);
    write(
        work,
        "golang-x.spec",
        "Name: golang-x\nVersion: 2\nPatch0: a.patch\nPatch1: c.patch\n",
    );
    write(work, "c.patch", "--- a/z.go\n+++ b/z.go\n");
    git(work, &["rm", "-q", "b.patch"]);
    git(work, &["add", "-A"]);
    git_output(
        work,
        &["commit", "-q", "-m", "two"],
        Some("1700000100 +0000"),
    );
    let second = git(work, &["rev-parse", "HEAD"]).trim().to_owned();
    (first, second)
}

/// The files of a tar, path and bytes, in archive order.
fn tar_files(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = tar::Archive::new(bytes);
    archive
        .entries()
        .expect("a tar")
        .map(|entry| {
            let mut entry = entry.expect("an entry");
            let path = entry.path().expect("path").to_string_lossy().into_owned();
            let mut data = Vec::new();
            std::io::Read::read_to_end(&mut entry, &mut data).expect("read");
            (path, data)
        })
        .collect()
}

#[test]
fn dist_git_specs_patches_and_trees_are_what_git_shows_at_branches_and_commits() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let work = d.join("work");
    let (first, second) = dist_git(&work);
    let served = d.join("served");
    std::fs::create_dir_all(served.join("rpms")).expect("mkdir");
    git(
        d,
        &[
            "clone",
            "-q",
            "--bare",
            work.to_str().expect("utf-8"),
            served.join("rpms/golang-x.git").to_str().expect("utf-8"),
        ],
    );
    let http = GitHttpServer::start(&served);
    let show = |rev: &str, file: &str| git_output(&work, &["show", &format!("{rev}:{file}")], None);
    let http_base = format!("{}/rpms", http.url);
    let file_base = format!("file://{}/rpms", served.display());
    let cache = d.join("cache");
    let blobs = d.join("blobs");
    for base in [&http_base, &file_base] {
        let env = [
            ("GOFED_DISTGIT_URL", base.as_str()),
            ("GOFED_CACHE_DIR", cache.to_str().expect("utf-8")),
            ("GOFED_BLOB_DIR", blobs.to_str().expect("utf-8")),
        ];
        let get = |args: &[&str]| bytes_of(&run(args, &env), &format!("{base} {args:?}"));
        // The spec at the default branch (rawhide), a branch, and a commit.
        let revisions: [(&[&str], &str); 4] = [
            (&[], &second),
            (&["--branch", "rawhide"], &second),
            (&["--branch", "f41"], &first),
            (&["--commit", &first], &first),
        ];
        for (rev_args, commit) in revisions {
            let mut args = vec!["get", "spec", "golang-x", "-o", "-"];
            args.extend_from_slice(rev_args);
            assert_eq!(get(&args), show(commit, "golang-x.spec"), "{base} {args:?}");
            let mut args = vec!["get", "patches", "golang-x"];
            args.extend_from_slice(rev_args);
            let listed = String::from_utf8(get(&args)).expect("utf-8");
            let expected: String =
                String::from_utf8(git_output(&work, &["ls-tree", "--name-only", commit], None))
                    .expect("utf-8")
                    .lines()
                    .filter(|name| name.ends_with(".patch"))
                    .map(|name| format!("{name}\n"))
                    .collect();
            assert_eq!(listed, expected, "{base} {args:?}");
            for patch in expected.lines() {
                let mut args = vec!["get", "patch", "golang-x", patch, "-o", "-"];
                args.extend_from_slice(rev_args);
                assert_eq!(get(&args), show(commit, patch), "{base} {args:?}");
            }
            // The whole tree: every file of the commit, as git has it.
            let mut args = vec!["get", "package", "golang-x", "-o", "-"];
            args.extend_from_slice(rev_args);
            let files = tar_files(&get(&args));
            let names: Vec<String> = files.iter().map(|(path, _)| path.clone()).collect();
            let expected: Vec<String> = String::from_utf8(git_output(
                &work,
                &["ls-tree", "-r", "--name-only", commit],
                None,
            ))
            .expect("utf-8")
            .lines()
            .map(str::to_owned)
            .collect();
            assert_eq!(names, expected, "{base} {args:?}");
            for (path, data) in &files {
                assert_eq!(*data, show(commit, path), "{base} {path}");
            }
            let mut args = vec!["get", "spec", "golang-x", "--format", "json"];
            args.extend_from_slice(rev_args);
            let json: serde_json::Value = serde_json::from_slice(&get(&args)).expect("JSON");
            assert_eq!(json["commit"], commit, "{json}");
            assert_eq!(json["name"], "golang-x.spec", "{json}");
        }
        // Not there, and names that would leave the repository or the dist-git base.
        let fails = |args: &[&str]| error_of(&run(args, &env), &format!("{base} {args:?}"));
        let err = fails(&["get", "spec", "golang-x", "--branch", "f99"]);
        assert!(err.contains("unknown revision \"f99\""), "{err}");
        let err = fails(&["get", "patch", "golang-x", "b.patch"]);
        assert!(
            err.contains("b.patch") && err.contains("not found"),
            "{err}"
        );
        let err = fails(&["get", "spec", "golang-nope"]);
        assert!(err.contains("golang-nope"), "{err}");
        for bad in ["../rpms/golang-x", "golang-x/..", ".git", "-x", "a b"] {
            let err = fails(&["get", "spec", "--", bad]);
            assert!(err.contains("invalid input at `package`"), "{bad}: {err}");
        }
        for bad in ["sub/c.patch", "../golang-x.spec", ".git"] {
            let err = fails(&["get", "patch", "golang-x", bad]);
            assert!(err.contains("invalid input at `patch`"), "{bad}: {err}");
        }
        for bad in ["../x", "-x", "a..b", "x y"] {
            let err = fails(&["get", "spec", "golang-x", &format!("--branch={bad}")]);
            assert!(err.contains("invalid input at `branch`"), "{bad}: {err}");
        }
        let err = fails(&[
            "get", "spec", "golang-x", "--branch", "f41", "--commit", &first,
        ]);
        assert!(err.contains("cannot be used with"), "{err}");
    }
    // Over HTTP the repository was cloned once into the cache, then fetched.
    let clones = std::fs::read_dir(cache.join("downloads"))
        .expect("downloads")
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "git"))
        })
        .count();
    assert_eq!(clones, 1);

    // Remote: the services read dist-git on their side; the client gets the same bytes.
    let (registry, _instance) = remote(
        &["specstorage", "packagestorage"],
        &[
            ("GOFED_DISTGIT_URL", &http_base),
            (
                "GOFED_CACHE_DIR",
                d.join("remote-cache").to_str().expect("utf-8"),
            ),
        ],
        &d.join("remote-blobs"),
    );
    let client_env = [("GOFED_REGISTRY", registry.url.as_str())];
    let remote_spec = bytes_of(
        &run(
            &[
                "--remote", "get", "spec", "golang-x", "--branch", "f41", "-o", "-",
            ],
            &client_env,
        ),
        "remote spec",
    );
    assert_eq!(remote_spec, show(&first, "golang-x.spec"));
    let remote_tree = bytes_of(
        &run(
            &[
                "--remote", "get", "package", "golang-x", "--commit", &second, "-o", "-",
            ],
            &client_env,
        ),
        "remote package",
    );
    assert_eq!(tar_files(&remote_tree).len(), 5);
}
