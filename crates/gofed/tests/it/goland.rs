//! `gofed goland`: import paths ↔ package names, in-process and on a remote `goland` service (the same
//! answers), with an index, overrides and both distributions. The naming rules themselves are checked against
//! go-rpm-macros and Debian's installed packages in `gofed-goland`'s tests.

use std::process::Output;

use crate::common::system::{serve, wait_registered, Process};
use crate::common::{success_json, write};

/// `gofed ARGS` in-process (unless ARGS say otherwise), without a store.
fn run(args: &[&str]) -> Output {
    crate::common::gofed_with_store("off", args)
}

#[test]
fn names_both_ways_in_process_and_remote() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        dir.path(),
        "provides.txt",
        "golang(github.com/spf13/cobra) = 1.8.0\ngolang(github.com/spf13/cobra/doc) = 1.8.0\n\
         golang(gopkg.in/yaml.v3)\n# comment\ngolang.org/x/net/html\n",
    );
    let index = dir.path().join("provides.txt");
    let index = index.to_str().expect("utf-8");

    let up = success_json(&run(&[
        "goland",
        "upstream2package",
        "github.com/spf13/cobra/doc",
        "gopkg.in/yaml.v3",
        "example.com/x/y",
        "--format",
        "json",
    ]));
    assert_eq!(up[0]["package"], "golang-github-spf13-cobra");
    assert_eq!(up[0]["root"], "github.com/spf13/cobra");
    assert_eq!(up[0]["devel_package"], "golang-github-spf13-cobra-devel");
    assert_eq!(up[1]["package"], "golang-gopkg-yaml-3");
    assert_eq!(up[2]["root_known"], false);
    let new = success_json(&run(&[
        "goland",
        "upstream2package",
        "gopkg.in/yaml.v3",
        "--new-versioning",
        "--format",
        "json",
    ]));
    assert_eq!(new[0]["package"], "golang-gopkg-yaml3");
    let debian = success_json(&run(&[
        "goland",
        "upstream2package",
        "golang.org/x/net/html",
        "--distro",
        "debian",
        "--format",
        "json",
    ]));
    assert_eq!(debian[0]["devel_package"], "golang-golang-x-net-dev");
    let overridden = success_json(&run(&[
        "goland",
        "upstream2package",
        "github.com/docker/docker/api",
        "--override",
        "github.com/docker/docker=moby-engine",
        "--format",
        "json",
    ]));
    assert_eq!(overridden[0]["package"], "moby-engine");
    assert_eq!(overridden[0]["overridden"], true);

    let back = success_json(&run(&[
        "goland",
        "package2upstream",
        "golang-github-spf13-cobra-devel",
        "golang-gopkg-yaml-3",
        "--index",
        index,
        "--format",
        "json",
    ]));
    assert_eq!(
        back[0]["import_paths"],
        serde_json::json!(["github.com/spf13/cobra"])
    );
    assert_eq!(
        back[1]["import_paths"],
        serde_json::json!(["gopkg.in/yaml.v3"])
    );
    assert_eq!(back[0]["from_index"], true);
    let unknown = run(&[
        "goland",
        "package2upstream",
        "golang-x-nothere",
        "--index",
        index,
    ]);
    assert_eq!(
        unknown.status.code(),
        Some(1),
        "a package the index lacks: exit 1"
    );
    assert_eq!(
        String::from_utf8_lossy(&unknown.stdout),
        "golang-x-nothere: no import path known\n"
    );
    let guessed = success_json(&run(&[
        "goland",
        "package2upstream",
        "golang-github-a-b-c",
        "--format",
        "json",
    ]));
    assert_eq!(
        guessed[0]["import_paths"],
        serde_json::json!(["github.com/a/b-c", "github.com/a-b/c"])
    );
    let bad = run(&["goland", "upstream2package", "x", "--override", "no-equals"]);
    assert_eq!(bad.status.code(), Some(2));

    let listing = run(&["goland", "listing", "--index", index]);
    assert_eq!(
        String::from_utf8_lossy(&listing.stdout),
        "golang-github-spf13-cobra: github.com/spf13/cobra (2 import paths)\n\
         golang-gopkg-yaml-3: gopkg.in/yaml.v3 (1 import path)\n\
         golang-x-net: golang.org/x/net (1 import path)\n"
    );

    // A remote goland service answers the same.
    let registry = Process::start(&["registry", "--listen", "127.0.0.1:0"], &[]);
    let _goland = serve(&["goland"], &registry.url, 6000, &dir.path().join("blobs"));
    wait_registered(&registry.url, "goland");
    let remote = run(&[
        "--registry",
        &registry.url,
        "--remote",
        "goland",
        "listing",
        "--index",
        index,
    ]);
    assert_eq!(
        remote.stdout,
        listing.stdout,
        "{}",
        String::from_utf8_lossy(&remote.stderr)
    );
}

/// A tiny HTTPS server on loopback answering `?go-get=1` pages from `pages` (path → HTML, `{host}` replaced by the
/// server's `127.0.0.1:PORT`), counting the requests; it serves until the test ends. Returns the host.
fn go_get_server(
    cert: &std::path::Path,
    key: &std::path::Path,
    pages: std::collections::HashMap<&'static str, String>,
) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use rustls::pki_types::pem::PemObject as _;
    use std::io::{Read as _, Write as _};
    gofed_registry::tls::install_provider();
    let certs: Vec<_> = rustls::pki_types::CertificateDer::pem_file_iter(cert)
        .expect("cert")
        .map(|c| c.expect("cert"))
        .collect();
    let key = rustls::pki_types::PrivateKeyDer::from_pem_file(key).expect("key");
    let config = std::sync::Arc::new(
        rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .expect("server config"),
    );
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let host = listener.local_addr().expect("address").to_string();
    let served = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (counter, server_host) = (served.clone(), host.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let Ok(connection) = rustls::ServerConnection::new(config.clone()) else {
                continue;
            };
            let mut tls = rustls::StreamOwned::new(connection, stream);
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match tls.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let line = String::from_utf8_lossy(&request);
            let target = line.split_whitespace().nth(1).unwrap_or_default();
            let path = target.split('?').next().unwrap_or_default();
            let (status, body) = match pages.get(path) {
                Some(page) => ("200 OK", page.replace("{host}", &server_host)),
                None => ("404 Not Found", "not found".to_owned()),
            };
            let _ = write!(
                tls,
                "HTTP/1.1 {status}\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = tls.flush();
            tls.conn.send_close_notify();
            let _ = tls.flush();
        }
    });
    (host, served)
}

/// A vanity import path (a host without known rules) is named after the repository root its `go-import` meta
/// tag gives, once the root's own page confirms it; pages are cached; a root whose page disagrees, or a page
/// that is missing, leaves the path named whole; `--no-vanity` fetches nothing.
#[test]
fn vanity_import_paths_are_named_after_their_go_import_root() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pki = crate::security::Pki::new(dir.path(), "vanity");
    let (cert, key) = pki.server("pages", (4000, 1, 1));
    let meta = |prefix: &str, repo: &str| {
        format!(
            "<html><head><meta name=\"go-import\" content=\"{{host}}{prefix} git {repo}\"></head>\
             <body>hi</body></html>"
        )
    };
    let good = meta("/vanity/x", "https://github.com/owner/repo");
    let pages = std::collections::HashMap::from([
        ("/vanity/x/y", good.clone()),
        ("/vanity/x", good),
        ("/bad/a", meta("/bad", "https://github.com/owner/one")),
        ("/bad", meta("/bad", "https://github.com/owner/other")),
    ]);
    let (host, served) = go_get_server(&cert, &key, pages);
    let cache = dir.path().join("cache");
    let ca = pki.ca_file();
    let goland = |args: &[&str]| {
        let out = crate::common::gofed_command()
            .args(["goland", "upstream2package", "--format", "json"])
            .args(args)
            .env("GOFED_STORE", "off")
            .env("GOFED_CACHE_DIR", &cache)
            .env("GOFED_CA_FILE", &ca)
            .output()
            .expect("run gofed");
        success_json(&out)
    };
    let deep = format!("{host}/vanity/x/y");
    let found = goland(&[
        &deep,
        &format!("{host}/bad/a"),
        &format!("{host}/missing/z"),
    ]);
    let whole = goland(&["--no-vanity", &format!("{host}/vanity/x")]);
    assert_eq!(found[0]["root"], format!("{host}/vanity/x"));
    assert_eq!(found[0]["root_known"], true);
    assert_eq!(
        found[0]["package"], whole[0]["package"],
        "named after the root"
    );
    // The root's page names another repository: not trusted.
    assert_eq!(found[1]["root"], format!("{host}/bad/a"));
    assert_eq!(found[1]["root_known"], false);
    assert_eq!(found[2]["root_known"], false);
    let fetched = served.load(std::sync::atomic::Ordering::SeqCst);
    assert!(fetched >= 5, "{fetched} pages fetched");

    // Again: the pages come from the cache.
    let again = goland(&[&deep]);
    assert_eq!(again[0]["root"], found[0]["root"]);
    assert_eq!(served.load(std::sync::atomic::Ordering::SeqCst), fetched);
    // --no-vanity asks nothing.
    let off = goland(&["--no-vanity", &format!("{host}/vanity/other/q")]);
    assert_eq!(off[0]["root_known"], false);
    assert_eq!(served.load(std::sync::atomic::Ordering::SeqCst), fetched);
}

/// `[goland]` in the configuration: overrides that `--override` adds to, and an index given as a URL (read
/// again on each use) that `--index` replaces; `listing` without any index says how to give one.
#[test]
fn goland_takes_overrides_and_an_index_url_from_the_configuration() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pki = crate::security::Pki::new(dir.path(), "index");
    let (cert, key) = pki.server("index", (4000, 1, 1));
    let pages = std::collections::HashMap::from([(
        "/provides.txt",
        "golang(github.com/spf13/cobra) = 1.8.0\ngolang(example.org/tool/cmd)\n".to_owned(),
    )]);
    let (host, served) = go_get_server(&cert, &key, pages);
    write(
        dir.path(),
        "gofed.toml",
        format!(
            "[goland]\nindex = \"https://{host}/provides.txt\"\n\
             [goland.overrides]\n\"example.org/tool\" = \"golang-tool\"\n"
        ),
    );
    let config = dir.path().join("gofed.toml");
    let goland = |args: &[&str]| {
        crate::common::gofed_command()
            .arg("goland")
            .args(args)
            .args(["--format", "json", "--config"])
            .arg(&config)
            .env("GOFED_STORE", "off")
            .env("GOFED_CACHE_DIR", dir.path().join("cache"))
            .env("GOFED_CA_FILE", pki.ca_file())
            .output()
            .expect("run gofed")
    };
    let named = success_json(&goland(&[
        "upstream2package",
        "--no-vanity",
        "example.org/tool",
        "example.org/other",
        "--override",
        "example.org/other=golang-other",
    ]));
    assert_eq!(named[0]["package"], "golang-tool");
    assert_eq!(named[1]["package"], "golang-other");

    let listed = success_json(&goland(&["listing"]));
    let packages: Vec<&str> = listed
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|p| p["package"].as_str())
        .collect();
    assert!(packages.contains(&"golang-tool"), "{packages:?}");
    assert!(
        packages.contains(&"golang-github-spf13-cobra"),
        "{packages:?}"
    );
    let back = success_json(&goland(&["package2upstream", "golang-tool-devel"]));
    assert_eq!(back[0]["from_index"], true);
    // The override names the root of the path below it.
    assert_eq!(back[0]["import_paths"][0], "example.org/tool");
    // The index URL is read on each use.
    assert_eq!(served.load(std::sync::atomic::Ordering::SeqCst), 2);

    // --index replaces it; without any index, listing says how to give one.
    write(dir.path(), "gofed.toml", "[goland]\n");
    let out = goland(&["listing"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no index: give --index"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
