//! Repository URLs as SOURCE (issue #10): `http(s)://…/REPO.git[@REV]` is cloned (bare, by gix, no `git` binary)
//! into the download cache from a real smart-HTTP server on loopback (`git http-backend` behind a small CGI
//! gateway in this file), fetched again on the next run, and read at the revision: the outputs of a checkout of
//! it. `file://` URLs are read in place. Failures name the URL and leave nothing in the cache.

use crate::common;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};

use crate::common::{git, stdout_of, write};

/// `gofed ARGS` with the cache at `cache`, info logs, nothing from the caller's GOROOT, placement or registry.
fn run(args: &[&str], cache: &Path) -> Output {
    common::gofed_command()
        .args(args)
        .env_remove("GOROOT")
        .env_remove("GOFED_PLACEMENT")
        .env_remove("GOFED_REGISTRY")
        .env("GOFED_CACHE_DIR", cache)
        .env("GOFED_LOG", "info")
        .output()
        .expect("run gofed")
}

/// A smart-HTTP git server on loopback: each request runs `git http-backend` (CGI) on the repositories under
/// `root`; the request lines are recorded.
struct GitHttpServer {
    url: String,
    requests: Arc<Mutex<Vec<String>>>,
}

impl GitHttpServer {
    fn start(root: &Path) -> GitHttpServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&requests);
        let root = root.to_owned();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (root, seen) = (root.clone(), Arc::clone(&seen));
                std::thread::spawn(move || {
                    let _ = serve_one(stream, &root, &seen);
                });
            }
        });
        GitHttpServer { url, requests }
    }

    /// How many requests' lines contain `text`.
    fn count(&self, text: &str) -> usize {
        self.requests
            .lock()
            .expect("lock")
            .iter()
            .filter(|line| line.contains(text))
            .count()
    }
}

/// Answers one request (then closes the connection) with what `git http-backend` prints for it.
fn serve_one(stream: TcpStream, root: &Path, seen: &Mutex<Vec<String>>) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut headers: Vec<(String, String)> = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" || line == "\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    let mut body = Vec::new();
    if header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        loop {
            let mut size_line = String::new();
            reader.read_line(&mut size_line)?;
            let size = usize::from_str_radix(size_line.trim().split(';').next().unwrap_or(""), 16)
                .map_err(|err| std::io::Error::new(std::io::ErrorKind::InvalidData, err))?;
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk)?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    } else if let Some(length) = header("content-length").and_then(|v| v.parse::<usize>().ok()) {
        body.resize(length, 0);
        reader.read_exact(&mut body)?;
    }
    seen.lock()
        .expect("lock")
        .push(request_line.trim().to_owned());
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or("GET").to_owned();
    let target = parts.next().unwrap_or("/");
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut cgi = Command::new("git");
    cgi.arg("http-backend")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_PROJECT_ROOT", root)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("REQUEST_METHOD", &method)
        .env("PATH_INFO", path)
        .env("QUERY_STRING", query)
        .env("REMOTE_ADDR", "127.0.0.1")
        .env("CONTENT_LENGTH", body.len().to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(kind) = header("content-type") {
        cgi.env("CONTENT_TYPE", kind);
    }
    if let Some(protocol) = header("git-protocol") {
        cgi.env("GIT_PROTOCOL", protocol);
    }
    if let Some(encoding) = header("content-encoding") {
        cgi.env("HTTP_CONTENT_ENCODING", encoding);
    }
    let mut child = cgi.spawn()?;
    let mut stdin = child.stdin.take().expect("stdin piped");
    let writer = std::thread::spawn(move || stdin.write_all(&body));
    let out = child.wait_with_output()?;
    let _ = writer.join();
    // CGI: headers (`Status:` among them), a blank line, the body.
    let cgi_out = out.stdout;
    let (head, rest) = match find(&cgi_out, b"\r\n\r\n") {
        Some(at) => (&cgi_out[..at], &cgi_out[at + 4..]),
        None => match find(&cgi_out, b"\n\n") {
            Some(at) => (&cgi_out[..at], &cgi_out[at + 2..]),
            None => (&cgi_out[..0], &cgi_out[..]),
        },
    };
    let head = String::from_utf8_lossy(head);
    let mut status = "200 OK".to_owned();
    let mut response = String::new();
    for line in head.lines() {
        match line.split_once(':') {
            Some((name, value)) if name.eq_ignore_ascii_case("status") => {
                status = value.trim().to_owned();
            }
            Some(_) => {
                response.push_str(line.trim_end());
                response.push_str("\r\n");
            }
            None => {}
        }
    }
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 {status}\r\n{response}Content-Length: {}\r\nConnection: close\r\n\r\n",
        rest.len()
    )?;
    stream.write_all(rest)?;
    stream.flush()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// The entries of the download cache under `cache` (none when it was never created).
fn cache_entries(cache: &Path) -> Vec<PathBuf> {
    match std::fs::read_dir(cache.join("downloads")) {
        Ok(entries) => entries.map(|e| e.expect("entry").path()).collect(),
        Err(_) => Vec::new(),
    }
}

/// A module whose v1 is tagged, then changed on main; a checkout of v1 beside it; a bare copy under
/// `served/m.git` for the server. Returns (work repository, checkout of v1, served root).
fn repository(d: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let repo = d.join("m");
    write(
        &repo,
        "go.mod",
        "module example.com/m\n\ngo 1.21\n\nrequire golang.org/x/text v0.3.0\n",
    );
    write(
        &repo,
        "a/a.go",
        "package a\n\n// T is a thing.\ntype T struct{ N int }\n\nfunc New(n int) *T { return &T{N: n} }\n",
    );
    write(
        &repo,
        "b/b.go",
        "package b\n\nimport (\n\t\"example.com/m/a\"\n\t\"golang.org/x/text/language\"\n)\n\nfunc Tag() language.Tag { return language.English }\n\nfunc Make() *a.T { return a.New(1) }\n",
    );
    git(&repo, &["init", "-q", "-b", "main"]);
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "v1"]);
    git(&repo, &["tag", "-a", "v1", "-m", "release v1"]);
    let checkout = d.join("checkout-v1");
    git(
        d,
        &[
            "clone",
            "-q",
            "--branch",
            "v1",
            path_str(&repo),
            path_str(&checkout),
        ],
    );
    write(&repo, "a/more.go", "package a\n\nfunc Added() {}\n");
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "add Added"]);
    let served = d.join("served");
    std::fs::create_dir_all(&served).expect("mkdir");
    git(
        d,
        &[
            "clone",
            "-q",
            "--bare",
            path_str(&repo),
            path_str(&served.join("m.git")),
        ],
    );
    (repo, checkout, served)
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}

#[test]
fn repository_urls_are_cloned_into_the_cache_once_and_read_at_the_revision() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let (repo, checkout, served) = repository(d);
    let server = GitHttpServer::start(&served);
    let cache = d.join("cache");
    let url = format!("{}/m.git", server.url);
    let at_v1 = format!("{url}@v1");

    let in_checkout = |args: &[&str]| {
        let mut all = args.to_vec();
        all.insert(1, path_str(&checkout));
        stdout_of(&run(&all, &cache), &format!("{all:?}"))
    };
    let api_v1 = in_checkout(&["api", "--format", "goapi"]);
    assert!(
        api_v1.contains("pkg example.com/m/a, func New(int) *T"),
        "{api_v1}"
    );
    assert!(!api_v1.contains("Added"), "{api_v1}");

    // First run: cloned.
    let first = run(&["api", &at_v1, "--format", "goapi"], &cache);
    assert_eq!(stdout_of(&first, "api URL@v1"), api_v1, "api of URL@v1");
    let log = String::from_utf8_lossy(&first.stderr);
    assert!(log.contains("cloning into the cache"), "{log}");
    let entries = cache_entries(&cache);
    assert_eq!(entries.len(), 1, "one clone, nothing else: {entries:?}");
    let clone = entries[0].clone();
    assert!(
        clone.is_dir() && clone.join("objects").is_dir() && !clone.join(".git").exists(),
        "a bare repository: {}",
        clone.display()
    );
    // Whether a later run clones again shows in this file: a new clone would not have it.
    write(&clone, "gofed-test-marker", "kept by a fetch");
    let asked = server.count("git-upload-pack");
    assert!(asked >= 2, "references listed, pack fetched: {asked}");

    // Second run: fetched, not cloned; the same outputs as the checkout's.
    let second = run(&["deps", &at_v1], &cache);
    assert_eq!(
        stdout_of(&second, "deps URL@v1"),
        in_checkout(&["deps"]),
        "deps of URL@v1"
    );
    let log = String::from_utf8_lossy(&second.stderr);
    assert!(
        log.contains("updating the clone in the cache")
            && log.contains("nothing new on the remote")
            && !log.contains("cloning"),
        "{log}"
    );
    assert!(
        server.count("git-upload-pack") > asked,
        "the remote was asked again"
    );
    assert!(
        clone.join("gofed-test-marker").exists(),
        "the clone was kept"
    );
    assert_eq!(cache_entries(&cache), vec![clone.clone()]);
    assert_eq!(
        stdout_of(
            &run(&["api", &url, "--rev", "v1", "--format", "goapi"], &cache),
            "--rev"
        ),
        api_v1,
        "URL --rev v1"
    );

    // Without a revision: the remote's HEAD (main, with the change).
    let head = stdout_of(&run(&["api", &url, "--format", "goapi"], &cache), "api URL");
    assert!(head.contains("pkg example.com/m/a, func Added()"), "{head}");

    // What the remote gains later is fetched: a new tag.
    write(&repo, "a/v2.go", "package a\n\nfunc InV2() {}\n");
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "v2"]);
    git(&repo, &["tag", "v2"]);
    git(
        &repo,
        &["push", "-q", path_str(&served.join("m.git")), "main", "v2"],
    );
    let v2 = stdout_of(
        &run(&["api", &format!("{url}@v2"), "--format", "goapi"], &cache),
        "api URL@v2",
    );
    assert!(v2.contains("func InV2()"), "{v2}");
    assert!(
        clone.join("gofed-test-marker").exists(),
        "still the same clone"
    );

    // meta.source names the URL and the commit.
    let json: serde_json::Value = serde_json::from_str(&stdout_of(
        &run(&["api", &at_v1, "--format", "json"], &cache),
        "api json",
    ))
    .expect("JSON");
    let source = &json["meta"]["source"];
    assert_eq!(source["name"], at_v1.as_str(), "{source}");
    assert_eq!(source["kind"], "git", "{source}");
    assert_eq!(
        source["revision"],
        git(&repo, &["rev-parse", "v1^{commit}"]).as_str(),
        "{source}"
    );

    // scm log reads the clone too: what `git log` prints of the served repository.
    let scm = stdout_of(&run(&["scm", "log", &url], &cache), "scm log URL");
    let expected = git(
        &served.join("m.git"),
        &["log", "--format=%H %an <%ae> %aI %s"],
    );
    assert_eq!(scm.trim_end(), expected);
    assert_eq!(scm.lines().count(), 3, "{scm}");
    let out = run(&["scm", "log", &url, "--branch", "nope"], &cache);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("{url}@nope")) && stderr.contains("unknown revision"),
        "{stderr}"
    );
    // scm store: the same file id as for the local repository at the same tag.
    let store = |source: &str| {
        let out = common::gofed_command()
            .args(["scm", "store", source, "--rev", "v1"])
            .env_remove("GOFED_PLACEMENT")
            .env_remove("GOFED_REGISTRY")
            .env("GOFED_CACHE_DIR", &cache)
            .env("GOFED_BLOB_DIR", d.join("blobs"))
            .output()
            .expect("run gofed");
        stdout_of(&out, &format!("scm store {source}"))
    };
    let stored = store(&url);
    assert_eq!(stored.trim().len(), 64, "{stored}");
    assert_eq!(stored, store(path_str(&repo)));
}

#[test]
fn failed_clones_name_the_url_and_leave_nothing_in_the_cache() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let (_, _, served) = repository(d);
    let server = GitHttpServer::start(&served);
    let cache = d.join("cache");

    // A repository the server does not have.
    let missing = format!("{}/none.git", server.url);
    let out = run(&["api", &format!("{missing}@v1")], &cache);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&missing) && stderr.contains("404"),
        "{stderr}"
    );
    assert!(
        cache_entries(&cache).is_empty(),
        "{:?}",
        cache_entries(&cache)
    );

    // Nobody listening.
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("address").port()
    };
    let unreachable = format!("http://127.0.0.1:{port}/m.git");
    let out = run(&["deps", &unreachable, "--rev", "v1"], &cache);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&unreachable) && stderr.contains("Connection refused"),
        "{stderr}"
    );
    assert!(
        cache_entries(&cache).is_empty(),
        "{:?}",
        cache_entries(&cache)
    );

    // A revision the remote has not: the clone is kept (it is good), the error names the URL and the revision.
    let url = format!("{}/m.git", server.url);
    let out = run(&["api", &format!("{url}@nope")], &cache);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("{url}@nope")) && stderr.contains("unknown revision"),
        "{stderr}"
    );
    let entries = cache_entries(&cache);
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert!(
        entries[0].extension().is_some_and(|e| e == "git"),
        "{entries:?}"
    );
}

#[test]
fn file_urls_are_read_in_place() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let (repo, checkout, _) = repository(d);
    let cache = d.join("cache");
    let api = |source: &str| stdout_of(&run(&["api", source, "--format", "goapi"], &cache), source);
    let url = format!("file://{}", repo.display());
    assert_eq!(api(&format!("{url}@v1")), api(path_str(&checkout)));
    assert!(api(&url).contains("func Added()"), "HEAD");
    assert!(cache_entries(&cache).is_empty(), "nothing is cloned");
    let out = run(
        &["api", &format!("file://{}@v1", d.join("none").display())],
        &cache,
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not a git repository"), "{stderr}");
}
