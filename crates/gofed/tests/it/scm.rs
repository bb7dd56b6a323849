//! `gofed scm log` and `gofed scm store`: in-process and on a real `gofed serve scm filestorage` found through a
//! real `gofed registry` on loopback, against the real `git`.

use crate::common;
use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::Path;
use std::process::Output;
use std::time::Duration;

use crate::common::system::{wait_until, Process};
use crate::common::{git_output as git, write};

/// A repository with a tag, a branch and a merge.
fn repository(root: &Path) {
    std::fs::create_dir_all(root).expect("mkdir");
    git(root, &["init", "-q", "-b", "main"], None);
    let commit = |message: &str, date: &str| {
        git(root, &["add", "-A"], None);
        git(root, &["commit", "-q", "-m", message], Some(date));
    };
    write(root, "go.mod", "module example.com/r\n");
    write(root, "r.go", "package r\n");
    commit("start", "1700000000 +0000");
    git(
        root,
        &["tag", "-a", "v1.0.0", "-m", "v1"],
        Some("1700000001 +0000"),
    );
    write(root, "r.go", "package r\n\nfunc R() {}\n");
    commit("add R\n\nbody text", "1700000100 +0200");
    git(root, &["checkout", "-q", "-b", "feature"], None);
    write(root, "f/f.go", "package f\n");
    commit("feature f", "1700000200 -0700");
    git(root, &["checkout", "-q", "main"], None);
    git(
        root,
        &["merge", "-q", "--no-ff", "-m", "merge feature", "feature"],
        Some("1700000300 +0100"),
    );
}

fn run(args: &[&str], envs: &[(&str, &Path)]) -> Output {
    let mut command = common::gofed_command();
    command
        .args(args)
        .env_remove("GOFED_PLACEMENT")
        .env_remove("GOFED_REGISTRY");
    for (name, value) in envs {
        command.env(name, value);
    }
    command.output().expect("run gofed")
}

#[test]
fn scm_log_prints_the_same_bytes_local_and_remote_as_git_log() {
    let dir = tempfile::tempdir().expect("temp dir");
    let repo = dir.path().join("repo");
    repository(&repo);
    let registry = Process::start(&["registry", "--listen", "127.0.0.1:0"], &[]);
    let server_blobs = dir.path().join("server-blobs");
    let _server = Process::start(
        &[
            "serve",
            "scm",
            "filestorage",
            "--allow-paths",
            "--listen",
            "127.0.0.1:0",
            "--registry",
            &registry.url,
            "--heartbeat-ms",
            "200",
        ],
        &[("GOFED_BLOB_DIR", &server_blobs)],
    );
    let repo_arg = repo.to_string_lossy().into_owned();
    let remote = ["--registry", registry.url.as_str(), "--remote"];
    wait_until(Duration::from_secs(10), || {
        let mut args = remote.to_vec();
        args.extend(["scm", "log", &repo_arg]);
        run(&args, &[]).status.success()
    })
    .expect("scm registered and answering");

    let runs: Vec<(Vec<&str>, Vec<&str>)> = vec![
        (vec![], vec![]),
        (vec!["--branch", "feature"], vec!["feature"]),
        (vec!["--branch", "v1.0.0"], vec!["v1.0.0"]),
        (vec!["--max-depth", "2"], vec!["-n", "2"]),
        (
            vec!["--since", "2023-11-14T22:15:00Z"],
            vec!["--since=2023-11-14T22:15:00Z"],
        ),
        (vec!["--since", "@1700000150"], vec!["--since=@1700000150"]),
    ];
    for (ours, theirs) in &runs {
        let mut args = vec!["scm", "log", repo_arg.as_str()];
        args.extend(ours);
        let local = run(&args, &[]);
        assert!(
            local.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&local.stderr)
        );
        let mut git_args = vec!["log", "--format=%H %an <%ae> %aI %s"];
        git_args.extend(theirs);
        let expected = git(&repo, &git_args, None);
        assert_eq!(
            String::from_utf8_lossy(&local.stdout),
            String::from_utf8_lossy(&expected),
            "{args:?} against git {git_args:?}"
        );
        assert!(!expected.is_empty(), "{git_args:?} lists commits");
        for format in [&[][..], &["--format", "json"][..]] {
            let mut local_args = args.clone();
            local_args.extend(format);
            let local = run(&local_args, &[]);
            let mut remote_args = remote.to_vec();
            remote_args.extend(&local_args);
            let remote = run(&remote_args, &[]);
            assert!(local.status.success());
            assert!(
                remote.status.success(),
                "{remote_args:?}: {}",
                String::from_utf8_lossy(&remote.stderr)
            );
            assert_eq!(local.stdout, remote.stdout, "{local_args:?}");
        }
    }
    let json: serde_json::Value =
        serde_json::from_slice(&run(&["scm", "log", &repo_arg, "--format", "json"], &[]).stdout)
            .expect("JSON");
    assert_eq!(json.as_array().map(Vec::len), Some(4));
    assert_eq!(json[0]["subject"], "merge feature");
    assert_eq!(json[0]["time"], 1_700_000_300);

    // The same error in the same words wherever it ran.
    let args = ["scm", "log", &repo_arg, "--branch", "nope"];
    let local = run(&args, &[]);
    let mut remote_args = remote.to_vec();
    remote_args.extend(args);
    let remote_out = run(&remote_args, &[]);
    assert_eq!(local.status.code(), Some(2));
    assert_eq!(remote_out.status.code(), Some(2));
    assert_eq!(local.stderr, remote_out.stderr);
    assert!(
        String::from_utf8_lossy(&local.stderr).contains("repo@nope"),
        "{}",
        String::from_utf8_lossy(&local.stderr)
    );

    // scm store: the same file id in-process and remote; the archive holds what `git archive` holds.
    let local_blobs = dir.path().join("local-blobs");
    let store = |flags: &[&str]| {
        let mut args = flags.to_vec();
        args.extend(["scm", "store", &repo_arg, "--rev", "v1.0.0"]);
        let out = run(&args, &[("GOFED_BLOB_DIR", &local_blobs)]);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .expect("UTF-8")
            .trim()
            .to_owned()
    };
    let local_id = store(&[]);
    assert_eq!(store(&remote), local_id);
    let blob = |root: &Path| root.join("sha256").join(&local_id[..2]).join(&local_id);
    let stored = std::fs::read(blob(&server_blobs)).expect("stored on the server");
    assert_eq!(
        stored,
        std::fs::read(blob(&local_blobs)).expect("stored here")
    );
    assert_eq!(tar_files(&stored), archived(&repo, "v1.0.0"));
}

#[test]
fn a_service_without_allow_paths_refuses_repository_paths() {
    let dir = tempfile::tempdir().expect("temp dir");
    let repo = dir.path().join("repo");
    repository(&repo);
    let _server = Process::start(
        &["serve", "scm", "--listen", "127.0.0.1:0", "--no-register"],
        &[("GOFED_BLOB_DIR", &dir.path().join("blobs"))],
    );
    let placement = format!("scm={}", _server.url);
    let out = run(
        &[
            "--placement",
            &placement,
            "scm",
            "log",
            &repo.to_string_lossy(),
        ],
        &[],
    );
    assert_ne!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--allow-paths"), "{stderr}");
}

/// The regular files of a tar: path → bytes.
fn tar_files(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut archive = tar::Archive::new(bytes);
    for entry in archive.entries().expect("a tar") {
        let mut entry = entry.expect("an entry");
        if entry.header().entry_type() != tar::EntryType::Regular {
            continue;
        }
        let path = entry.path().expect("a path").to_string_lossy().into_owned();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).expect("read");
        files.insert(path, data);
    }
    files
}

/// The regular files of `git archive REV`.
fn archived(repo: &Path, rev: &str) -> BTreeMap<String, Vec<u8>> {
    tar_files(&git(repo, &["archive", "--format=tar", rev], None))
}
