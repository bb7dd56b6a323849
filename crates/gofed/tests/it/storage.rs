//! `apistorage` and `depsstorage` in a real `gofed serve` over a store that real `gofed api|deps --store` runs
//! recorded: the REST views (listings walked page by page, the recorded documents, apidiff between recorded
//! revisions as `gofed apidiff` says it between the trees, 404s, the OpenAPI document) and the actions.

use std::path::Path;
use std::process::Output;

use crate::common;
use crate::common::system::Process;
use crate::common::{git, git_output, write};

fn run(store: &str, args: &[&str]) -> Output {
    common::gofed_command()
        .args(args)
        .env_remove("GOROOT")
        .env("GOFED_STORE", store)
        .output()
        .expect("run gofed")
}

fn stdout_ok(out: &Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).expect("UTF-8 stdout")
}

/// An HTTP/1.0 request on loopback: status, content type and body.
fn http(method: &str, url: &str, body: &str) -> (u16, String, String) {
    use std::io::{Read as _, Write as _};
    let rest = url.strip_prefix("http://").expect("http URL");
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut stream = std::net::TcpStream::connect(host).expect("connect");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(120)))
        .expect("timeout");
    write!(
        stream,
        "{method} {path} HTTP/1.0\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .expect("send");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    let (head, body) = answer.split_once("\r\n\r\n").expect("a head and a body");
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status");
    let content_type = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-type")
                .then(|| value.trim().to_owned())
        })
        .unwrap_or_default();
    (status, content_type, body.to_owned())
}

fn get_json(url: &str) -> serde_json::Value {
    let (status, content_type, body) = http("GET", url, "");
    assert_eq!(status, 200, "{url}: {body}");
    assert!(
        content_type.starts_with("application/json"),
        "{url}: {content_type}"
    );
    serde_json::from_str(&body).unwrap_or_else(|err| panic!("{url}: {err}: {body}"))
}

/// Every item of a listing, one page of one item at a time, following `next`.
fn walk(url: &str) -> Vec<serde_json::Value> {
    let mut items = Vec::new();
    let mut after: Option<String> = None;
    for _ in 0..100 {
        let page_url = match &after {
            None => format!("{url}?limit=1"),
            Some(cursor) => format!("{url}?limit=1&after={cursor}"),
        };
        let page = get_json(&page_url);
        let page_items = page["items"].as_array().expect("items").clone();
        assert!(page_items.len() <= 1, "{page_url}: {page}");
        items.extend(page_items);
        match &page["next"] {
            serde_json::Value::Null => return items,
            next => after = Some(next.as_str().expect("a string cursor").to_owned()),
        }
    }
    panic!("{url}: paging does not end");
}

/// A repository with a go.mod for `module`, one commit per version (tagged), each version's `m.go`.
fn repository(dir: &Path, module: &str, versions: &[(&str, &str)]) -> String {
    std::fs::create_dir_all(dir).expect("repo dir");
    git(dir, &["init", "-q", "-b", "main"]);
    write(dir, "go.mod", format!("module {module}\n\ngo 1.21\n"));
    for (i, (tag, source)) in versions.iter().enumerate() {
        write(dir, "m.go", source);
        git(dir, &["add", "."]);
        git_output(
            dir,
            &["commit", "-q", "-m", tag],
            Some(&format!("2024-01-0{}T03:04:05Z", i + 1)),
        );
        git(dir, &["tag", tag]);
    }
    dir.to_string_lossy().into_owned()
}

#[test]
fn rest_views_and_actions_read_what_was_recorded() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let store = format!("sqlite:{}", tmp.path().join("store").display());
    views_of(tmp.path(), &store);
}

/// The same on PostgreSQL (a throw-away cluster, as the store suite's; skipped loudly without PostgreSQL
/// outside CI).
#[test]
fn rest_views_and_actions_read_what_was_recorded_in_postgres() {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let Some(pg) = runtime.block_on(crate::postgres::start_postgres(
        "storage::rest_views_and_actions_read_what_was_recorded_in_postgres",
    )) else {
        return;
    };
    let tmp = tempfile::tempdir().expect("temp dir");
    views_of(tmp.path(), &pg.conninfo());
}

/// Records analyses of two repositories in `store`, serves `apistorage depsstorage` over it, and reads them
/// back through the REST views and the actions.
fn views_of(d: &Path, store: &str) {
    let repo = repository(
        &d.join("m"),
        "example.com/m",
        &[
            ("v1.0.0", "package m\n\nfunc F() {}\n\nfunc H(int) {}\n"),
            (
                "v1.1.0",
                "package m\n\nimport \"strings\"\n\nfunc F() {}\n\nfunc G() {}\n\nfunc H(string) {}\n\nvar _ = strings.ToUpper\n",
            ),
            // A package with an error: recorded with -e.
            ("v1.2.0", "package m\n\nfunc F() {}\n\nfunc G() Undefined { return nil }\n"),
        ],
    );
    let other = repository(
        &d.join("other"),
        "example.com/other/pkg",
        &[("v0.1.0", "package pkg\n\nconst C = 1\n")],
    );
    let (v1, v2) = (format!("{repo}@v1.0.0"), format!("{repo}@v1.1.0"));
    let api_v1 = stdout_ok(
        &run(store, &["api", &v1, "--store", "--format", "json"]),
        "api v1",
    );
    stdout_ok(
        &run(store, &["api", &v2, "--store", "--format", "json"]),
        "api v2",
    );
    let v3 = format!("{repo}@v1.2.0");
    stdout_ok(
        &run(store, &["api", &v3, "--store", "--format", "json", "-e"]),
        "api v3",
    );
    // A newer text rendering does not hide the JSON document.
    stdout_ok(&run(store, &["api", &v2, "--store"]), "api v2 text");
    let deps_v2 = stdout_ok(
        &run(store, &["deps", &v2, "--store", "--format", "json"]),
        "deps v2",
    );
    stdout_ok(
        &run(
            store,
            &[
                "api",
                &format!("{other}@v0.1.0"),
                "--store",
                "--format",
                "json",
            ],
        ),
        "api other",
    );
    let commit_v1 = git(Path::new(&repo), &["rev-parse", "v1.0.0^{commit}"]);

    let blobs = d.join("blobs");
    let store_path = Path::new(store);
    let server = Process::start(
        &[
            "serve",
            "apistorage",
            "depsstorage",
            "--listen",
            "127.0.0.1:0",
            "--no-register",
        ],
        &[("GOFED_STORE", store_path), ("GOFED_BLOB_DIR", &blobs)],
    );
    let base = format!("{}/api/v1", server.url);

    // Listings, one item per page: every item once, in the order the store lists them.
    let projects = walk(&format!("{base}/projects"));
    let listed = serde_json::from_str::<serde_json::Value>(&stdout_ok(
        &run(store, &["store", "list", "projects", "--format", "json"]),
        "store list projects",
    ))
    .expect("JSON");
    assert_eq!(serde_json::Value::from(projects.clone()), listed["items"]);
    let paths: Vec<&str> = projects
        .iter()
        .map(|p| p["import_path"].as_str().expect("import_path"))
        .collect();
    assert_eq!(paths, ["example.com/m", "example.com/other/pkg"]);
    let revisions = walk(&format!("{base}/projects/example.com%2Fm/revisions"));
    let tags: Vec<&str> = revisions
        .iter()
        .map(|r| r["tag"].as_str().expect("tag"))
        .collect();
    assert_eq!(tags, ["v1.0.0", "v1.1.0", "v1.2.0"]);
    assert_eq!(revisions[0]["commit"], commit_v1);
    assert_eq!(
        walk(&format!("{base}/packages")),
        Vec::<serde_json::Value>::new()
    );
    assert_eq!(get_json(&format!("{base}/distros")), serde_json::json!([]));

    // The recorded documents, by tag and by commit id.
    let recorded: serde_json::Value = serde_json::from_str(&api_v1).expect("JSON");
    assert_eq!(
        get_json(&format!("{base}/projects/example.com%2Fm/v1.0.0/api")),
        recorded
    );
    assert_eq!(
        get_json(&format!("{base}/projects/example.com%2Fm/{commit_v1}/api")),
        recorded
    );
    let deps: serde_json::Value = serde_json::from_str(&deps_v2).expect("JSON");
    assert_eq!(
        get_json(&format!("{base}/projects/example.com%2Fm/v1.1.0/deps")),
        deps
    );

    // apidiff between the recorded revisions says what apidiff between the trees says.
    for format in ["text", "lines", "json"] {
        let trees = run("off", &["apidiff", &v1, &v2, "--format", format]);
        assert_eq!(
            trees.status.code(),
            Some(1),
            "{format}: an incompatible change"
        );
        let (status, _, body) = http(
            "GET",
            &format!(
                "{base}/projects/example.com%2Fm/apidiff?old=v1.0.0&new=v1.1.0&format={format}"
            ),
            "",
        );
        assert_eq!(status, 200, "{format}: {body}");
        let printed = String::from_utf8_lossy(&trees.stdout);
        if format == "json" {
            // The command line ends the document with a newline.
            assert_eq!(body + "\n", printed, "{format}");
        } else {
            assert_eq!(body, printed, "{format}");
        }
    }

    // Packages with errors: their errors, unless allowed; allowed, the report `apidiff -e` prints.
    let url = format!("{base}/projects/example.com%2Fm/apidiff?old=v1.1.0&new=v1.2.0");
    let (status, _, body) = http("GET", &url, "");
    assert_eq!(status, 422, "{body}");
    let error: serde_json::Value = serde_json::from_str(&body).expect("an error document");
    let trees = run("off", &["apidiff", &v2, &v3]);
    assert_eq!(trees.status.code(), Some(2));
    let message = error["error"]["message"].as_str().expect("a message");
    assert!(message.contains("Undefined"), "{message}");
    assert!(
        String::from_utf8_lossy(&trees.stderr).contains(message),
        "{message} in {}",
        String::from_utf8_lossy(&trees.stderr)
    );
    let (status, _, body) = http("GET", &format!("{url}&allow_errors=true"), "");
    assert_eq!(status, 200, "{body}");
    let trees = run("off", &["apidiff", &v2, &v3, "-e"]);
    assert_eq!(body, String::from_utf8_lossy(&trees.stdout));

    // Unknown things are the envelope's 404 documents.
    for (url, says) in [
        (
            "projects/example.com%2Fnone/revisions",
            "project example.com/none",
        ),
        (
            "projects/example.com%2Fnone/v1.0.0/api",
            "project example.com/none",
        ),
        (
            "projects/example.com%2Fm/v9.9.9/api",
            "revision v9.9.9 of example.com/m",
        ),
        (
            "projects/example.com%2Fm/v1.0.0/deps",
            "deps_analysis result recorded",
        ),
        (
            "projects/example.com%2Fm/apidiff?old=v1.0.0&new=v9",
            "revision v9 of example.com/m",
        ),
        (
            "packages/golang-x/1.0-1.fc42/fedora:42/api",
            "package golang-x",
        ),
        ("projects/example.com%2Fm/v1.0.0/nothing", "route"),
    ] {
        let (status, _, body) = http("GET", &format!("{base}/{url}"), "");
        assert_eq!(status, 404, "{url}: {body}");
        let error: serde_json::Value = serde_json::from_str(&body).expect("an error document");
        assert_eq!(error["error"]["code"], "not_found", "{url}: {body}");
        let message = error["error"]["message"].as_str().expect("a message");
        assert!(message.contains(says), "{url}: {message}");
    }
    let (status, _, body) = http("GET", &format!("{base}/projects?limit=x"), "");
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).expect("JSON")["error"]["code"],
        "invalid_input"
    );

    // The OpenAPI document names every route.
    let openapi = get_json(&format!("{base}/openapi.json"));
    assert!(openapi["openapi"]
        .as_str()
        .expect("version")
        .starts_with("3."));
    let documented: Vec<&str> = openapi["paths"]
        .as_object()
        .expect("paths")
        .keys()
        .map(String::as_str)
        .collect();
    for route in [
        "/api/v1/projects",
        "/api/v1/projects/{project}/revisions",
        "/api/v1/projects/{project}/{rev}/api",
        "/api/v1/projects/{project}/{rev}/deps",
        "/api/v1/projects/{project}/apidiff",
        "/api/v1/packages",
        "/api/v1/packages/{name}/{evr}/{distro}/api",
        "/api/v1/packages/{name}/{evr}/{distro}/deps",
        "/api/v1/distros",
        "/api/v1/openapi.json",
    ] {
        assert!(documented.contains(&route), "{route} in {documented:?}");
    }
    // Every schema reference resolves within the document.
    let text = openapi.to_string();
    for reference in text.split("\"$ref\":\"").skip(1) {
        let target = reference.split('"').next().expect("a reference");
        let name = target
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("reference {target}"));
        assert!(
            openapi["components"]["schemas"].get(name).is_some(),
            "{target}"
        );
    }

    // The actions, through the envelope.
    let (status, _, body) = http(
        "POST",
        &format!("{}/v1/actions/api_revisions", server.url),
        r#"{"project": "example.com/m", "limit": 1}"#,
    );
    assert_eq!(status, 200, "{body}");
    let answer: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(answer["meta"]["service"], "apistorage");
    assert_eq!(answer["result"]["items"][0]["tag"], "v1.0.0");
    assert!(answer["result"]["next"].is_string(), "{body}");
    let (status, _, body) = http(
        "POST",
        &format!("{}/v1/actions/deps_get", server.url),
        r#"{"kind": "revision", "project": "example.com/m", "rev": "v1.1.0"}"#,
    );
    assert_eq!(status, 200, "{body}");
    let answer: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(answer["meta"]["service"], "depsstorage");
    assert_eq!(answer["result"]["result"]["output"]["json"], deps);
    assert_eq!(answer["result"]["key"]["action"], "deps_analysis");

    // The services' listings name only what they have: deps was recorded for example.com/m at v1.1.0 only,
    // and never for example.com/other/pkg.
    let listed = |action: &str, input: &str, field: &str| -> Vec<String> {
        let (status, _, body) = http(
            "POST",
            &format!("{}/v1/actions/{action}", server.url),
            input,
        );
        assert_eq!(status, 200, "{action}: {body}");
        let answer: serde_json::Value = serde_json::from_str(&body).expect("JSON");
        answer["result"]["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|item| item[field].as_str().expect(field).to_owned())
            .collect()
    };
    assert_eq!(
        listed("api_projects", "{}", "import_path"),
        ["example.com/m", "example.com/other/pkg"]
    );
    assert_eq!(
        listed("deps_projects", "{}", "import_path"),
        ["example.com/m"]
    );
    let m = r#"{"project": "example.com/m"}"#;
    assert_eq!(
        listed("api_revisions", m, "tag"),
        ["v1.0.0", "v1.1.0", "v1.2.0"]
    );
    assert_eq!(listed("deps_revisions", m, "tag"), ["v1.1.0"]);
}
