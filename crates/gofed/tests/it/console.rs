//! The web console in a real headless Chromium (ChromeDriver), against real `gofed registry`, `gofed serve` and
//! store processes on loopback: login, every page without a console error, a killed instance turning red, the
//! action form calling `api_analysis` on an uploaded tarball, the API diff of two stored revisions with the
//! messages of `gofed apidiff`, a doc comment holding `<script>` shown as text, no action without the token, and
//! each page's weight and load time with 1,000 stored revisions.
//!
//! Screenshots of every page go to `$GOFED_TEST_ARTIFACTS/console` (default `target/test-artifacts/console`),
//! with `timings.txt` (bytes transferred and load time per page).

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{json, Value};

use crate::common::system::{wait_until, Process};
use crate::common::webdriver::{self, Browser};
use crate::common::{git, git_output, write};

const TOKEN: &str = "console-test-token";
const PROJECT: &str = "example.com/shop";

/// Version 1's doc comment tries to run script in the page in three ways.
const V1: &str = r#"// SPDX-License-Identifier: MIT

// Package shop sells things.
package shop

// Price <script>window.__xss = 1; alert("xss")</script> is <img src=x onerror="window.__xss = 2"> "what" & costs.
func Price(item string) int { return len(item) }

// Deprecated: use Price.
func Cost(item string) int { return Price(item) }

type Cart struct{ Items []string }
"#;

/// Version 2: a changed signature, a removed function, an added method.
const V2: &str = r#"// Package shop sells things.
package shop

// Price is what a thing costs.
func Price(item string, quantity int) int { return len(item) * quantity }

type Cart struct{ Items []string }

func (c *Cart) Total() int { return len(c.Items) }
"#;

fn artifacts_dir() -> PathBuf {
    let dir = std::env::var_os("GOFED_TEST_ARTIFACTS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-artifacts"),
        PathBuf::from,
    );
    let dir = dir.join("console");
    std::fs::create_dir_all(&dir).expect("the artifacts directory");
    dir
}

/// A repository of the project with v1.0.0 and v2.0.0 tagged.
fn repository(dir: &Path) -> String {
    std::fs::create_dir_all(dir).expect("repo dir");
    git(dir, &["init", "-q", "-b", "main"]);
    write(dir, "go.mod", format!("module {PROJECT}\n\ngo 1.21\n"));
    write(
        dir,
        "sub/sub.go",
        "package sub\n\nimport _ \"example.com/shop\"\n",
    );
    for (i, (tag, source)) in [("v1.0.0", V1), ("v2.0.0", V2)].iter().enumerate() {
        write(dir, "shop.go", source);
        git(dir, &["add", "."]);
        git_output(
            dir,
            &["commit", "-q", "-m", tag],
            Some(&format!("2024-02-0{}T10:00:00Z", i + 1)),
        );
        git(dir, &["tag", tag]);
    }
    dir.to_string_lossy().into_owned()
}

/// `gofed ARGS` on `store`: its stdout, which exit status 0 (or 1, apidiff's "incompatible") came with.
fn gofed_ok(store: &str, args: &[&str]) -> String {
    let out = crate::common::gofed_command()
        .args(args)
        .env_remove("GOROOT")
        .env("GOFED_STORE", store)
        .output()
        .expect("run gofed");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "gofed {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

/// 1,000 more revisions of another project, written through the store's API (recording 1,000 analyses would
/// take minutes and test nothing more here).
fn thousand_revisions(store_dir: &Path) {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    runtime.block_on(async {
        let store = gofed_store::Store::open_sqlite(store_dir)
            .await
            .expect("open the store");
        let project = gofed_store::Project {
            import_path: "example.com/big".into(),
            repository: "https://example.com/big.git".into(),
        };
        store.put_project(&project).await.expect("put project");
        for n in 0..1000 {
            let revision = gofed_store::Revision {
                import_path: project.import_path.clone(),
                commit: format!("{n:040x}"),
                tag: Some(format!("v1.{n}.0")),
                commit_time: 1_700_000_000 + n,
            };
            store.put_revision(&revision).await.expect("put revision");
        }
    });
}

/// Fails on any console error or warning the page logged since the last check.
fn assert_no_console_errors(browser: &Browser, page: &str) {
    let problems: Vec<(String, String)> = browser
        .console_log()
        .into_iter()
        .filter(|(level, _)| level == "SEVERE" || level == "WARNING")
        .collect();
    assert!(problems.is_empty(), "{page}: browser console: {problems:?}");
}

/// Bytes transferred (the document and what it loaded) and the time to the load event, in ms.
fn weight_and_time(browser: &Browser) -> (u64, f64) {
    let measured = browser.script(
        "const nav = performance.getEntriesByType('navigation')[0];
         const resources = performance.getEntriesByType('resource');
         const bytes = nav.transferSize + resources.reduce((sum, r) => sum + r.transferSize, 0);
         return [bytes, nav.loadEventEnd - nav.startTime];",
        vec![],
    );
    (
        measured[0].as_u64().unwrap_or(0),
        measured[1].as_f64().unwrap_or(0.0),
    )
}

#[test]
fn the_console_in_a_real_browser() {
    if !webdriver::available() {
        return;
    }
    let tmp = tempfile::tempdir().expect("temp dir");
    let store_dir = tmp.path().join("store");
    let store = format!("sqlite:{}", store_dir.display());
    let repo = repository(&tmp.path().join("shop"));
    let (v1, v2) = (format!("{repo}@v1.0.0"), format!("{repo}@v2.0.0"));
    for rev in [&v1, &v2] {
        gofed_ok(&store, &["api", rev, "--store", "--format", "json"]);
        gofed_ok(&store, &["deps", rev, "--store", "--format", "json"]);
    }
    gofed_ok(&store, &["license", &v1, "--store", "--format", "json"]);
    thousand_revisions(&store_dir);
    let expected_diff: Value = serde_json::from_str(&gofed_ok(
        &store,
        &["apidiff", &v1, &v2, "--format", "json"],
    ))
    .expect("apidiff JSON");

    // The fleet: a registry, an instance of the analyses and the storage services, and the console, which
    // calls every action remotely. One token for all.
    let env = |blobs: &str| -> Vec<(&'static str, PathBuf)> {
        vec![
            ("GOFED_TOKEN", PathBuf::from(TOKEN)),
            ("GOFED_STORE", PathBuf::from(&store)),
            ("GOFED_BLOB_DIR", tmp.path().join(blobs)),
        ]
    };
    let registry_env = env("registry-blobs");
    let registry = start(&["registry", "--listen", "127.0.0.1:0"], &registry_env);
    let ttl = "3000";
    let services_env = env("service-blobs");
    let mut services = start(
        &[
            "serve",
            "api",
            "deps",
            "filestorage",
            "apistorage",
            "depsstorage",
            "--listen",
            "127.0.0.1:0",
            "--registry",
            &registry.url,
            "--heartbeat-ms",
            "200",
            "--ttl-ms",
            ttl,
        ],
        &services_env,
    );
    let console_env = env("console-blobs");
    let console = start(
        &[
            "serve",
            "console",
            "--listen",
            "127.0.0.1:0",
            "--registry",
            &registry.url,
            "--placement",
            "*=remote",
            "--heartbeat-ms",
            "200",
            "--ttl-ms",
            ttl,
        ],
        &console_env,
    );
    let base = console.url.clone();
    let artifacts = artifacts_dir();
    let mut timings = String::from("page\tbytes\tload_ms\n");

    // Without the token nothing runs: a direct action call is refused, and the action ran nowhere.
    let client = crate::common::http_client();
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let status = runtime.block_on(async {
        client
            .post(format!("{base}/console/actions/api_analysis"))
            .header("origin", &base)
            .body("x")
            .send()
            .await
            .expect("a POST")
            .status()
            .as_u16()
    });
    assert_eq!(status, 401);

    let browser = Browser::start();
    let visit = |path: &str, name: &str, timings: &mut String| {
        browser.goto(&format!("{base}{path}"));
        assert_no_console_errors(&browser, path);
        browser.screenshot(&artifacts.join(format!("{name}.png")));
        let (bytes, ms) = weight_and_time(&browser);
        timings.push_str(&format!("{path}\t{bytes}\t{ms:.1}\n"));
        assert!(bytes < 200_000, "{path}: {bytes} bytes transferred");
    };

    // A page asks for the login form, which comes back to the page.
    browser.goto(&format!("{base}/console/projects"));
    assert!(
        browser.current_url().contains("/console/login?next="),
        "{}",
        browser.current_url()
    );
    browser.type_into("#token", "wrong");
    browser.click_and_wait("form.login button");
    let text = body_text(&browser);
    assert!(text.contains("That token is not known here."), "{text}");
    browser.screenshot(&artifacts.join("login.png"));
    browser.type_into("#token", TOKEN);
    browser.click_and_wait("form.login button");
    assert!(
        browser.current_url().ends_with("/console/projects"),
        "{}",
        browser.current_url()
    );
    assert_no_console_errors(&browser, "login");

    // Every page, with no console error.
    let commit_v1 = git(Path::new(&repo), &["rev-parse", "v1.0.0^{commit}"]);
    let revision_v1 = format!("/console/revision?project={PROJECT}&rev={commit_v1}");
    let diff = format!("/console/diff?project={PROJECT}&old=v1.0.0&new=v2.0.0");
    for (path, name) in [
        ("/console/", "system"),
        ("/console/actions", "actions"),
        ("/console/actions/api_analysis", "action-form"),
        ("/console/projects", "projects"),
        ("/console/projects?q=SHOP", "projects-search"),
        (
            "/console/project?path=example.com/big",
            "project-1000-revisions",
        ),
        (&format!("/console/project?path={PROJECT}"), "project"),
        (&revision_v1, "revision"),
        ("/console/packages", "packages"),
        (&diff, "diff"),
        (
            &format!("/console/graph?project={PROJECT}&rev=v2.0.0"),
            "graph",
        ),
        ("/console/scans", "scans"),
    ] {
        visit(path, name, &mut timings);
    }

    // The search found the project, and the listing of 1,000 revisions is paged.
    browser.goto(&format!("{base}/console/projects?q=SHOP"));
    assert!(body_text(&browser).contains(PROJECT));
    browser.goto(&format!("{base}/console/project?path=example.com/big"));
    let rows = browser.script(
        "return document.querySelectorAll('tbody tr').length;",
        vec![],
    );
    assert_eq!(rows, json!(100));
    browser.click_and_wait("a[rel=next]");
    assert!(browser.current_url().contains("after="));

    // The graph is an SVG image that loaded.
    browser.goto(&format!(
        "{base}/console/graph?project={PROJECT}&rev=v2.0.0"
    ));
    let loaded = browser.script(
        "const img = document.querySelector('.graph img'); return img.complete && img.naturalWidth > 0;",
        vec![],
    );
    assert_eq!(loaded, json!(true), "the graph's SVG did not load");

    // A doc comment holding markup is text: no script ran, no alert opened.
    browser.goto(&format!("{base}{revision_v1}"));
    let text = body_text(&browser);
    assert!(
        text.contains("<script>window.__xss = 1; alert(\"xss\")</script>"),
        "{text}"
    );
    assert!(
        text.contains("<img src=x onerror=\"window.__xss = 2\">"),
        "{text}"
    );
    assert_eq!(
        browser.script("return window.__xss === undefined;", vec![]),
        json!(true)
    );
    assert_eq!(browser.alert_text(), None);
    assert!(text.contains("deprecated"), "{text}");
    assert!(text.contains("License: MIT"), "{text}");

    // The API changes of the stored revisions are gofed apidiff's on the trees.
    browser.goto(&format!("{base}{diff}"));
    let shown = browser.script(
        "return [...document.querySelectorAll('ul.incompatible li, ul.compatible li')].map(li => li.textContent);",
        vec![],
    );
    let mut shown: Vec<String> = serde_json::from_value(shown).expect("strings");
    let mut expected: Vec<String> = expected_diff["changed_packages"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|p| {
            p["report"]["changes"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .map(|c| c["message"].as_str().unwrap_or_default().to_owned())
        .collect();
    shown.sort();
    expected.sort();
    assert!(!expected.is_empty());
    assert_eq!(shown, expected);
    assert!(body_text(&browser).contains("verdict: incompatible changes"));

    // The action form calls api_analysis on an uploaded tarball (remotely: the console hosts no analysis).
    let tarball = tmp.path().join("shop.tar.gz");
    let status = std::process::Command::new("tar")
        .args(["-czf"])
        .arg(&tarball)
        .args(["-C", &repo, "go.mod", "shop.go", "sub"])
        .status()
        .expect("tar");
    assert!(status.success());
    let api_calls = || {
        let text = runtime.block_on(async {
            let response = client
                .get(format!("{}/metrics", services.url))
                .bearer_auth(TOKEN)
                .send()
                .await
                .expect("GET /metrics");
            response.text().await.expect("the metrics")
        });
        text.lines()
            .filter(|l| {
                l.starts_with("gofed_action_calls_total{") && l.contains("action=\"api_analysis\"")
            })
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum::<f64>()
    };
    let calls_before = api_calls();
    browser.goto(&format!("{base}/console/actions/api_analysis"));
    browser.type_into("input[name='source.file']", &tarball.to_string_lossy());
    browser.click_and_wait("form.action button[type=submit]");
    assert_no_console_errors(&browser, "action result");
    browser.screenshot(&artifacts.join("action-result.png"));
    let text = body_text(&browser);
    assert!(text.contains("Answered by api"), "{text}");
    assert!(text.contains("example.com/shop/sub"), "{text}");
    assert!(text.contains(&services.instance), "{text}");
    assert_eq!(api_calls(), calls_before + 1.0);

    // A killed instance turns red within one TTL.
    browser.goto(&format!("{base}/console/"));
    let healthy =
        "return [...document.querySelectorAll('tr[data-health]')].map(tr => tr.dataset.health);";
    let health = browser.script(healthy, vec![]);
    assert!(
        health
            .as_array()
            .is_some_and(|h| !h.is_empty() && h.iter().all(|s| s == "up")),
        "{health}"
    );
    services.kill9();
    let turned_red = wait_until(Duration::from_millis(3000), || {
        let health = browser.script(healthy, vec![]);
        health
            .as_array()
            .is_some_and(|h| h.iter().any(|s| s == "down" || s == "gone"))
    });
    browser.screenshot(&artifacts.join("system-instance-killed.png"));
    let turned_red = turned_red.unwrap_or_else(|| {
        panic!(
            "no red row within the TTL: {}",
            browser.script(healthy, vec![])
        )
    });
    timings.push_str(&format!(
        "# the killed instance turned red after {} ms\n",
        turned_red.as_millis()
    ));
    assert_no_console_errors(&browser, "system after the kill");

    // Logging out ends the session: pages ask for the login form again.
    browser.click_and_wait("form.logout button");
    browser.goto(&format!("{base}/console/projects"));
    assert!(browser.current_url().contains("/console/login"));

    std::fs::write(artifacts.join("timings.txt"), &timings).expect("timings");
    eprintln!("console pages (bytes transferred, load ms):\n{timings}");
    drop(registry);
}

fn start(args: &[&str], env: &[(&'static str, PathBuf)]) -> Process {
    let env: Vec<(&str, &Path)> = env.iter().map(|(k, v)| (*k, v.as_path())).collect();
    Process::start(args, &env)
}

fn body_text(browser: &Browser) -> String {
    browser
        .script("return document.body.textContent;", vec![])
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// `gofed console` (one machine) and its login form with each scope of token, over plain HTTP (a browser's requests: form posts with the same
/// `Origin`, the cookie the login set): every scope logs in and reads the pages; the action form keeps each
/// action's scope (a `read` session cannot call a `write` action, nor upload a file, which the console would
/// do with its own token); a cross-site login is refused.
#[test]
fn the_console_login_with_each_scope() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let tokens = tmp.path().join("tokens");
    std::fs::write(
        &tokens,
        "read reader-token\nwrite writer-token\nadmin admin-token\n",
    )
    .expect("tokens");
    let module = tmp.path().join("m");
    write(&module, "go.mod", "module example.com/m\n\ngo 1.21\n");
    write(&module, "m.go", "package m\n\nfunc F() {}\n");
    let tarball = tmp.path().join("m.tar.gz");
    let status = std::process::Command::new("tar")
        .arg("-czf")
        .arg(&tarball)
        .args(["-C", &module.to_string_lossy(), "go.mod", "m.go"])
        .status()
        .expect("tar");
    assert!(status.success());
    let tarball = std::fs::read(&tarball).expect("the tarball");
    let console = Process::start(
        &["console", "--listen", "127.0.0.1:0"],
        &[
            ("GOFED_TOKENS_FILE", &tokens),
            // The process's own token (the fleet's), with which the console stores and fetches uploads.
            ("GOFED_TOKEN", Path::new("admin-token")),
            ("GOFED_STORE", Path::new("off")),
            ("GOFED_BLOB_DIR", &tmp.path().join("blobs")),
        ],
    );
    let base = console.url.clone();
    let http = gofed_registry::tls::client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client");
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");

    let login = |token: &str, origin: &str| {
        runtime.block_on(async {
            let response = http
                .post(format!("{base}/console/login"))
                .header("origin", origin)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(format!("token={token}&next=%2Fconsole%2Factions"))
                .send()
                .await
                .expect("POST /console/login");
            let status = response.status().as_u16();
            let cookie = response
                .headers()
                .get("set-cookie")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(';').next())
                .map(str::to_owned);
            (status, cookie)
        })
    };
    // A form posted from another site does not log in.
    assert_eq!(login("admin-token", "http://evil.example"), (403, None));
    let (status, cookie) = login("nobody", &base);
    assert_eq!((status, cookie), (200, None));

    let boundary = "gofed-test-boundary";
    let upload_form = {
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"source.file\"; filename=\"m.tar.gz\"\r\n\
             Content-Type: application/gzip\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(&tarball);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        body
    };
    for (scope, token) in [
        ("read", "reader-token"),
        ("write", "writer-token"),
        ("admin", "admin-token"),
    ] {
        let (status, cookie) = login(token, &base);
        assert_eq!(status, 303, "{scope}");
        let cookie = cookie.unwrap_or_else(|| panic!("{scope}: no session cookie"));
        let (page_status, upload, tarball_get) = runtime.block_on(async {
            let page = http
                .get(format!("{base}/console/actions"))
                .header("cookie", &cookie)
                .send()
                .await
                .expect("GET");
            let post = |action: &str, body: Vec<u8>| {
                http.post(format!("{base}/console/actions/{action}"))
                    .header("cookie", &cookie)
                    .header("origin", &base)
                    .header(
                        "content-type",
                        format!("multipart/form-data; boundary={boundary}"),
                    )
                    .body(body)
                    .send()
            };
            let upload = post("api_analysis", upload_form.clone())
                .await
                .expect("POST");
            let upload = (
                upload.status().as_u16(),
                upload.text().await.unwrap_or_default(),
            );
            let empty = format!("--{boundary}--\r\n").into_bytes();
            let tarball_get = post("tarball_get", empty).await.expect("POST");
            (
                page.status().as_u16(),
                upload,
                tarball_get.status().as_u16(),
            )
        });
        assert_eq!(page_status, 200, "{scope}");
        if scope == "read" {
            assert!(
                upload.1.contains("uploading a file needs a write token"),
                "{scope}: {}",
                upload.1
            );
            assert_eq!(tarball_get, 403, "{scope}: tarball_get needs write");
        } else {
            assert!(
                upload.1.contains("Answered by api"),
                "{scope}: {}",
                upload.1
            );
            assert!(upload.1.contains("example.com/m"), "{scope}: {}", upload.1);
            assert_ne!(tarball_get, 403, "{scope}");
        }
    }
    drop(console);
}
