//! `git::open` and `git::log` against the real `git` binary, on repositories the tests build with it: tags
//! (annotated and lightweight), branches, a merge, an executable, a symbolic link, a submodule entry.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use gofed_artifact::git;
use gofed_artifact::{ArtifactError, Kind, Limits};

/// Runs git in `dir` with a fixed identity and no user or system configuration; returns stdout.
fn git_in(dir: &Path, args: &[&str], date: Option<i64>) -> Vec<u8> {
    let mut command = Command::new("git");
    command
        .current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "A. U. Thor")
        .env("GIT_AUTHOR_EMAIL", "author@example.com")
        .env("GIT_COMMITTER_NAME", "Com Mitter")
        .env("GIT_COMMITTER_EMAIL", "committer@example.com")
        .stdin(Stdio::null());
    if let Some(date) = date {
        // Author in UTC+02:00, committer in UTC-05:30: `%aI` must keep the author's zone.
        command
            .env("GIT_AUTHOR_DATE", format!("{date} +0200"))
            .env("GIT_COMMITTER_DATE", format!("{date} -0530"));
    }
    let output = command.output().expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn commit(dir: &Path, message: &str, date: i64) {
    git_in(dir, &["add", "-A"], None);
    git_in(
        dir,
        &["commit", "-q", "--allow-empty", "-m", message],
        Some(date),
    );
}

/// A repository with history:
///
/// ```text
/// c1 (v1, lightweight) - c2 (v2, annotated) - c4 ------- m (main)
///                          \                            /
///                           c3 - c5 (feature) ---------
/// ```
///
/// c3 and c4 are committed in the same second (ties), c5's committer clock is behind its parent's.
struct Repo {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

fn build_repo() -> Repo {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("repo");
    std::fs::create_dir(&path).unwrap();
    git_in(&path, &["init", "-q", "-b", "main"], None);
    write(&path, "go.mod", "module example.com/m\n");
    write(&path, "a.go", "package m\n\nfunc A() {}\n");
    write(&path, "sub/b.go", "package sub\n");
    write(&path, "tool.sh", "#!/bin/sh\necho hi\n");
    let mut perms = std::fs::metadata(path.join("tool.sh"))
        .unwrap()
        .permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(path.join("tool.sh"), perms).unwrap();
    std::os::unix::fs::symlink("a.go", path.join("link.go")).unwrap();
    commit(&path, "first: the module\n\nWith a body.", 1_700_000_000);
    git_in(&path, &["tag", "v1"], None);

    write(&path, "a.go", "package m\n\nfunc A() {}\n\nfunc B() {}\n");
    write(&path, "deep/er/still/c.go", "package still\n");
    git_in(&path, &["add", "-A"], None);
    // A submodule entry: a commit id in the tree, nothing behind it here (added after `add -A`, which would
    // drop it as missing).
    git_in(
        &path,
        &[
            "update-index",
            "--add",
            "--cacheinfo",
            "160000,1111111111111111111111111111111111111111,third_party/lib",
        ],
        None,
    );
    git_in(
        &path,
        &[
            "commit",
            "-q",
            "-m",
            "second\nsubject on two lines  \n\nbody",
        ],
        Some(1_700_000_100),
    );
    // The submodule's directory, empty as in a clone without `--recurse-submodules`, keeps `add -A` from
    // removing the entry in later commits.
    std::fs::create_dir_all(path.join("third_party/lib")).unwrap();
    git_in(
        &path,
        &["tag", "-a", "v2", "-m", "release 2"],
        Some(1_700_000_150),
    );

    git_in(&path, &["checkout", "-q", "-b", "feature"], None);
    write(&path, "feature.go", "package m\n\nfunc F() {}\n");
    commit(&path, "c3 on feature", 1_700_000_200);
    git_in(&path, &["checkout", "-q", "main"], None);
    write(&path, "sub/b.go", "package sub\n\nconst X = 1\n");
    commit(&path, "c4 on main", 1_700_000_200);
    git_in(&path, &["checkout", "-q", "feature"], None);
    std::fs::remove_file(path.join("deep/er/still/c.go")).unwrap();
    // Committed "before" its parent: git log still lists it after its child, by queue order.
    commit(&path, "c5: remove c", 1_699_999_000);
    git_in(&path, &["checkout", "-q", "main"], None);
    git_in(
        &path,
        &["merge", "-q", "--no-ff", "-m", "merge feature", "feature"],
        Some(1_700_000_300),
    );
    Repo { _dir: dir, path }
}

/// The regular files `git archive REV` gives, extracted by `tar`: path → bytes.
fn archived(repo: &Path, rev: &str) -> BTreeMap<String, Vec<u8>> {
    let out = tempfile::tempdir().unwrap();
    let tar = git_in(repo, &["archive", "--format=tar", rev], None);
    let tar_path = out.path().join("a.tar");
    std::fs::write(&tar_path, tar).unwrap();
    let x = out.path().join("x");
    std::fs::create_dir(&x).unwrap();
    let status = Command::new("tar")
        .arg("-xf")
        .arg(&tar_path)
        .arg("-C")
        .arg(&x)
        .status()
        .unwrap();
    assert!(status.success());
    let mut files = BTreeMap::new();
    walk(&x, &x, &mut files);
    files
}

fn walk(top: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            walk(top, &entry.path(), out);
        } else if kind.is_file() {
            let rel = entry
                .path()
                .strip_prefix(top)
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned();
            out.insert(rel, std::fs::read(entry.path()).unwrap());
        }
    }
}

fn rev_parse(repo: &Path, rev: &str) -> String {
    let out = git_in(repo, &["rev-parse", &format!("{rev}^{{commit}}")], None);
    String::from_utf8(out).unwrap().trim().to_owned()
}

fn assert_open_equals_archive(repo: &Path, rev: &str) {
    let artifact =
        git::open(repo, rev, &Limits::default()).unwrap_or_else(|err| panic!("open {rev}: {err}"));
    let files: BTreeMap<String, Vec<u8>> = artifact
        .files
        .iter()
        .map(|f| (f.path.clone(), f.data.clone()))
        .collect();
    assert_eq!(files, archived(repo, rev), "revision {rev}");
    let paths: Vec<&str> = artifact.files.iter().map(|f| f.path.as_str()).collect();
    let mut sorted = paths.clone();
    sorted.sort_unstable();
    assert_eq!(paths, sorted, "files are sorted by path");
    let commit = rev_parse(repo, rev);
    assert_eq!(artifact.revision.as_deref(), Some(commit.as_str()));
    assert_eq!(
        artifact.sha256,
        gofed_artifact::sha256_hex(commit.as_bytes())
    );
    assert_eq!(artifact.kind, Some(Kind::Git));
    assert_eq!(artifact.root, "");
}

#[test]
fn open_equals_git_archive_at_every_kind_of_revision() {
    let repo = build_repo();
    let path = &repo.path;
    let c2 = rev_parse(path, "v2");
    for rev in [
        "v1",
        "v2",
        "main",
        "feature",
        "HEAD",
        "HEAD~1",
        c2.as_str(),
        &c2[..7],
        "refs/heads/feature",
    ] {
        assert_open_equals_archive(path, rev);
    }
    // The revisions really differ: tags, branches and ids are not all read as HEAD.
    let at = |rev: &str| git::open(path, rev, &Limits::default()).unwrap();
    assert!(at("v1")
        .files
        .iter()
        .all(|f| f.path != "deep/er/still/c.go"));
    assert!(at("feature")
        .files
        .iter()
        .all(|f| f.path != "deep/er/still/c.go"));
    assert!(at("main").files.iter().any(|f| f.path == "feature.go"));

    // A bare clone reads the same.
    let bare = repo.path.with_file_name("bare.git");
    git_in(
        path.parent().unwrap(),
        &["clone", "-q", "--bare", "repo", "bare.git"],
        None,
    );
    assert_eq!(
        git::open(&bare, "v2", &Limits::default()).unwrap().files,
        at("v2").files
    );
}

#[test]
fn links_and_submodules_are_left_out_with_warnings() {
    let repo = build_repo();
    let artifact = git::open(&repo.path, "v2", &Limits::default()).unwrap();
    let warned: Vec<(&str, &str)> = artifact
        .warnings
        .iter()
        .map(|w| (w.entry.as_str(), w.reason.as_str()))
        .collect();
    assert_eq!(warned.len(), 2, "{warned:?}");
    assert_eq!(warned[0].0, "link.go");
    assert!(warned[0].1.contains("symbolic link"), "{warned:?}");
    assert_eq!(warned[1].0, "third_party/lib");
    assert!(warned[1].1.contains("submodule"), "{warned:?}");
    for warning in &artifact.warnings {
        assert!(warning.input.ends_with("repo@v2"), "{warning}");
    }
    let main = git::open(&repo.path, "main", &Limits::default()).unwrap();
    assert!(main.warnings.iter().any(|w| w.entry == "third_party/lib"));
    // The executable is an ordinary file.
    assert!(artifact.files.iter().any(|f| f.path == "tool.sh"));
}

#[test]
fn limits_apply_to_git_trees() {
    let repo = build_repo();
    let limits = Limits {
        max_entries: 3,
        ..Limits::default()
    };
    let err = git::open(&repo.path, "v2", &limits).unwrap_err();
    assert!(
        matches!(err, ArtifactError::Limit { limit: 3, .. }),
        "{err}"
    );
    let limits = Limits {
        max_file_size: 10,
        ..Limits::default()
    };
    let err = git::open(&repo.path, "v2", &limits).unwrap_err();
    assert!(matches!(err, ArtifactError::Limit { .. }), "{err}");
    assert!(err.to_string().contains("bytes"), "{err}");
    let limits = Limits {
        max_total_size: 40,
        ..Limits::default()
    };
    let err = git::open(&repo.path, "v2", &limits).unwrap_err();
    assert!(err.to_string().contains("bytes of files"), "{err}");
}

/// `git log` of `args`, as [`git::Commit`]s.
fn git_log(repo: &Path, args: &[&str]) -> Vec<git::Commit> {
    let mut full = vec!["log", "--format=%H%x00%an%x00%ae%x00%at%x00%aI%x00%s"];
    full.extend_from_slice(args);
    let out = String::from_utf8(git_in(repo, &full, None)).unwrap();
    out.lines()
        .map(|line| {
            let fields: Vec<&str> = line.split('\0').collect();
            git::Commit {
                hash: fields[0].to_owned(),
                author: fields[1].to_owned(),
                email: fields[2].to_owned(),
                time: fields[3].parse().unwrap(),
                time_rfc3339: fields[4].to_owned(),
                subject: fields[5].to_owned(),
            }
        })
        .collect()
}

#[test]
fn log_equals_git_log() {
    let repo = build_repo();
    let path = &repo.path;
    for rev in ["main", "feature", "v2", "v1", "HEAD"] {
        let ours = git::log(path, rev, None, None).unwrap();
        assert_eq!(ours, git_log(path, &[rev]), "git log {rev}");
    }
    assert_eq!(git::log(path, "main", None, None).unwrap().len(), 6);
    for n in [0usize, 1, 3, 10] {
        let ours = git::log(path, "main", Some(n), None).unwrap();
        assert_eq!(
            ours,
            git_log(path, &["-n", &n.to_string(), "main"]),
            "-n {n}"
        );
    }
    // --since cuts at committer time, and stops at c5, whose clock is behind.
    for since in [
        1_700_000_000i64,
        1_700_000_100,
        1_700_000_250,
        1_699_999_500,
    ] {
        let ours = git::log(path, "main", None, Some(since)).unwrap();
        let theirs = git_log(path, &[&format!("--since=@{since}"), "main"]);
        assert_eq!(ours, theirs, "--since {since}");
    }
}

#[test]
fn log_of_a_longer_history_equals_git_log() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path();
    git_in(path, &["init", "-q", "-b", "main"], None);
    // A fast-import stream: 300 commits on two branches merged every 50, several per second.
    let mut stream = String::new();
    let mut mark = 0;
    for i in 0..300i64 {
        let branch = if i % 2 == 0 { "main" } else { "side" };
        mark += 1;
        let time = 1_600_000_000 + i / 3;
        // UTC (`%aI` writes `Z`), east and west of it.
        let zone = ["+0000", "+0100", "-0930"][(i % 3) as usize];
        stream.push_str(&format!(
            "commit refs/heads/{branch}\nmark :{mark}\nauthor P{} <p{}@example.com> {time} {zone}\n\
             committer C <c@example.com> {time} +0000\ndata <<EOT\ncommit {i}\nEOT\n",
            i % 7,
            i % 7
        ));
        if i == 1 {
            stream.push_str("from :1\n");
        }
        if i % 50 == 49 && branch == "side" {
            stream.push_str(&format!("merge :{}\n", mark - 1));
        }
        stream.push_str(&format!(
            "M 100644 inline f{}.go\ndata <<EOT\npackage f\nEOT\n\n",
            i % 10
        ));
    }
    let mut child = Command::new("git")
        .current_dir(path)
        .args(["fast-import", "--quiet"])
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), stream.as_bytes()).unwrap();
    assert!(child.wait().unwrap().success());
    for rev in ["main", "side"] {
        let started = std::time::Instant::now();
        let ours = git::log(path, rev, None, None).unwrap();
        let ours_ms = started.elapsed().as_millis();
        let started = std::time::Instant::now();
        let theirs = git_log(path, &[rev]);
        eprintln!(
            "log {rev}: {} commits, git::log {ours_ms} ms, git log {} ms",
            ours.len(),
            started.elapsed().as_millis()
        );
        assert!(ours.len() >= 150, "{}", ours.len());
        assert_eq!(ours, theirs, "git log {rev}");
    }
}

#[test]
fn unknown_revisions_and_non_repositories_are_clear_errors() {
    let repo = build_repo();
    let err = git::open(&repo.path, "v9", &Limits::default()).unwrap_err();
    assert!(matches!(err, ArtifactError::Unusable { .. }), "{err}");
    let text = err.to_string();
    assert!(text.contains(&repo.path.display().to_string()), "{text}");
    assert!(text.contains("\"v9\""), "{text}");
    let err = git::log(&repo.path, "nope", None, None).unwrap_err();
    assert!(err.to_string().contains("\"nope\""), "{err}");
    // A tree id is not a commit.
    let tree = String::from_utf8(git_in(&repo.path, &["rev-parse", "v1^{tree}"], None)).unwrap();
    let err = git::open(&repo.path, tree.trim(), &Limits::default()).unwrap_err();
    assert!(err.to_string().contains("not a commit"), "{err}");

    let empty = tempfile::tempdir().unwrap();
    let err = git::open(empty.path(), "HEAD", &Limits::default()).unwrap_err();
    assert!(err.to_string().contains("not a git repository"), "{err}");
}

/// The loose object file of `id`.
fn loose_object(repo: &Path, id: &str) -> PathBuf {
    repo.join(".git/objects").join(&id[..2]).join(&id[2..])
}

fn overwrite(path: &Path, bytes: &[u8]) {
    let mut perms = std::fs::metadata(path).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(path, perms).unwrap();
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn corrupt_objects_are_clear_errors() {
    let repo = build_repo();
    let path = &repo.path;
    // A blob of v1 replaced by garbage.
    let blob = String::from_utf8(git_in(path, &["rev-parse", "v1:go.mod"], None)).unwrap();
    let object = loose_object(path, blob.trim());
    overwrite(&object, b"this is not zlib at all");
    let err = git::open(path, "v1", &Limits::default()).unwrap_err();
    assert!(matches!(err, ArtifactError::Corrupt { .. }), "{err}");
    let text = err.to_string();
    eprintln!("{text}");
    assert!(text.contains("repo@v1"), "{text}");
    assert!(text.contains("go.mod"), "{text}");

    // A commit truncated halfway.
    let c4 = rev_parse(path, "main~1");
    let object = loose_object(path, &c4);
    let bytes = std::fs::read(&object).unwrap();
    overwrite(&object, &bytes[..bytes.len() / 2]);
    let err = git::log(path, "main", None, None).unwrap_err();
    assert!(err.to_string().contains("repo@main"), "{err}");
    assert!(err.to_string().contains(&c4), "{err}");
    let err = git::open(path, "main~1", &Limits::default()).unwrap_err();
    assert!(err.to_string().contains("repo@main~1"), "{err}");
}

#[test]
fn file_urls_name_repositories_to_open_in_place() {
    let repo = build_repo();
    let url = format!("file://{}", repo.path.display());
    let path = git::repository_of_url(&url).unwrap();
    assert_eq!(
        git::open(&path, "v2", &Limits::default()).unwrap().files,
        git::open(&repo.path, "v2", &Limits::default())
            .unwrap()
            .files
    );
    let err = git::repository_of_url("https://example.invalid/r.git").unwrap_err();
    assert!(err.to_string().contains("https"), "{err}");
    let missing = format!("file://{}/none", repo.path.display());
    let err = git::repository_of_url(&missing).unwrap_err();
    assert!(err.to_string().contains("not a git repository"), "{err}");
}

#[test]
fn tags_equal_git_for_each_ref() {
    let repo = build_repo();
    // A tag of a tree names no revision and is left out; a tag of the merge is listed after v1 and v2.
    git_in(&repo.path, &["tag", "tree-tag", "HEAD^{tree}"], None);
    git_in(&repo.path, &["tag", "v3"], None);
    let listed = String::from_utf8(git_in(
        &repo.path,
        &[
            "for-each-ref",
            "--format=%(refname:short) %(*objecttype)%(objecttype) %(*objectname)%(objectname) \
             %(*committerdate:unix)%(committerdate:unix)",
            "refs/tags",
        ],
        None,
    ))
    .unwrap();
    let mut expected: Vec<(i64, String, String)> = listed
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split(' ').collect();
            // Annotated tags print the peeled object first (`%(*...)`), lightweight ones only their own.
            let (name, kind, id, time) = (fields[0], fields[1], fields[2], fields[3]);
            (kind.starts_with("commit")).then(|| {
                (
                    time[..10].parse().unwrap(),
                    name.to_owned(),
                    id[..40].to_owned(),
                )
            })
        })
        .collect();
    expected.sort();
    let tags: Vec<(i64, String, String)> = git::tags(&repo.path)
        .unwrap()
        .into_iter()
        .map(|t| (t.time, t.name, t.commit))
        .collect();
    assert_eq!(tags, expected);
    assert_eq!(
        tags.iter().map(|t| t.1.as_str()).collect::<Vec<_>>(),
        ["v1", "v2", "v3"]
    );
    assert_eq!(tags[1].2, rev_parse(&repo.path, "v2^{commit}"));

    let err = git::tags(&repo.path.join("sub")).expect_err("not a repository");
    assert!(err.to_string().contains("not a git repository"), "{err}");
}

/// `uncommitted_change` finds what `git status --porcelain` lists: a modified or staged tracked file, an
/// untracked file; not an ignored one.
#[test]
fn uncommitted_changes_as_git_status_lists_them() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path();
    git_in(repo, &["init", "-q"], None);
    write(repo, "a.go", "package a\n");
    write(repo, ".gitignore", "*.tmp\nbuild/\n");
    commit(repo, "one", 1_700_000_000);
    let porcelain = || String::from_utf8(git_in(repo, &["status", "--porcelain"], None)).unwrap();
    let ours = || git::uncommitted_change(repo).unwrap();
    assert_eq!((porcelain(), ours()), (String::new(), None));

    write(repo, "scratch.tmp", "x");
    write(repo, "build/out.go", "package out\n");
    assert_eq!(
        (porcelain(), ours()),
        (String::new(), None),
        "ignored files"
    );

    write(repo, "b.go", "package a\n");
    assert!(!porcelain().is_empty());
    assert_eq!(ours().as_deref(), Some("b.go"), "an untracked file");
    std::fs::remove_file(repo.join("b.go")).unwrap();

    write(repo, "a.go", "package a\n\nfunc A() {}\n");
    assert_eq!(ours().as_deref(), Some("a.go"), "a modified file");
    git_in(repo, &["add", "a.go"], None);
    assert_eq!(ours().as_deref(), Some("a.go"), "a staged change");
    commit(repo, "two", 1_700_000_100);
    assert_eq!(ours(), None);

    let not_a_repo = tempfile::tempdir().unwrap();
    assert!(matches!(
        git::uncommitted_change(not_a_repo.path()),
        Err(ArtifactError::Unusable { .. })
    ));
}

#[test]
fn a_directory_of_a_revision_is_read_alone_and_files_at_it_by_path() {
    let repo = build_repo();
    let deep = git::open_dir(&repo.path, "v2", "deep/er", &Limits::default()).unwrap();
    assert_eq!(deep.root, "deep/er");
    let paths: Vec<&str> = deep.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["deep/er/still/c.go"]);
    assert_eq!(
        deep.revision,
        git::open(&repo.path, "v2", &Limits::default())
            .unwrap()
            .revision
    );
    // v1 had no `deep`; a file is no directory; `..` names nothing.
    for (rev, dir) in [("v1", "deep/er"), ("v2", "a.go"), ("v2", "../x")] {
        let err = git::open_dir(&repo.path, rev, dir, &Limits::default()).unwrap_err();
        assert!(
            err.to_string().contains("the revision has no directory")
                && err.to_string().contains(&format!("@{rev}")),
            "{rev} {dir}: {err}"
        );
    }

    let go_mod = git::file_at(&repo.path, "v1", "go.mod", &Limits::default()).unwrap();
    assert_eq!(go_mod.as_deref(), Some(&b"module example.com/m\n"[..]));
    assert_eq!(
        git::file_at(&repo.path, "v1", "deep/er/still/c.go", &Limits::default()).unwrap(),
        None
    );
    assert_eq!(
        git::file_at(&repo.path, "v2", "deep", &Limits::default()).unwrap(),
        None,
        "a directory is no file"
    );
    let small = Limits {
        max_file_size: 4,
        ..Limits::default()
    };
    let err = git::file_at(&repo.path, "v1", "go.mod", &small).unwrap_err();
    assert!(matches!(err, ArtifactError::Limit { .. }), "{err}");
}
