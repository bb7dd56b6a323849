//! Running a fleet safely: TLS (certificates made here with rcgen), the token on the registry, the probes
//! that answer without one, and the refusal to listen beyond loopback unprotected. Real `gofed` processes on
//! loopback.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};

use crate::common::system::{wait_until, Process};
use crate::common::{gofed_command, write};

/// A certificate authority and what it signed, as PEM files in a directory.
pub(crate) struct Pki {
    dir: PathBuf,
    ca: rcgen::Certificate,
    ca_key: KeyPair,
}

impl Pki {
    pub(crate) fn new(dir: &Path, name: &str) -> Pki {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, format!("gofed test CA {name}"));
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca_key = KeyPair::generate().expect("key");
        let ca = params.self_signed(&ca_key).expect("CA");
        let dir = dir.join(name);
        write(&dir, "ca.pem", ca.pem());
        Pki { dir, ca, ca_key }
    }

    pub(crate) fn ca_file(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    /// A client certificate, written as `NAME.pem` and `NAME.key`.
    fn client(&self, name: &str) -> (PathBuf, PathBuf) {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name.to_owned());
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
        let key = KeyPair::generate().expect("key");
        let cert = params
            .signed_by(&key, &self.ca, &self.ca_key)
            .expect("signed");
        write(&self.dir, &format!("{name}.pem"), cert.pem());
        write(&self.dir, &format!("{name}.key"), key.serialize_pem());
        (
            self.dir.join(format!("{name}.pem")),
            self.dir.join(format!("{name}.key")),
        )
    }

    /// A server certificate for 127.0.0.1 and localhost, valid until `not_after` (year, month, day), written as
    /// `NAME.pem` and `NAME.key`.
    pub(crate) fn server(&self, name: &str, not_after: (i32, u8, u8)) -> (PathBuf, PathBuf) {
        let mut params =
            CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
                .expect("params");
        params.not_before = rcgen::date_time_ymd(2020, 1, 1);
        params.not_after = rcgen::date_time_ymd(not_after.0, not_after.1, not_after.2);
        let key = KeyPair::generate().expect("key");
        let cert = params
            .signed_by(&key, &self.ca, &self.ca_key)
            .expect("signed");
        let (cert_file, key_file) = (
            self.dir.join(format!("{name}.pem")),
            self.dir.join(format!("{name}.key")),
        );
        write(&self.dir, &format!("{name}.pem"), cert.pem());
        write(&self.dir, &format!("{name}.key"), key.serialize_pem());
        (cert_file, key_file)
    }
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// `gofed serve SERVICES --no-register` over TLS with `token`, trusting `ca` as a client (of its filestorage).
fn serve_tls(
    services: &[&str],
    cert: &Path,
    key: &Path,
    token: &str,
    blobs: &Path,
    ca: &Path,
) -> Process {
    let mut args = vec!["serve"];
    args.extend_from_slice(services);
    args.extend_from_slice(&[
        "--listen",
        "127.0.0.1:0",
        "--no-register",
        "--tls-cert",
        path(cert),
        "--tls-key",
        path(key),
        "--token",
        token,
    ]);
    Process::start(&args, &[("GOFED_BLOB_DIR", blobs), ("GOFED_CA_FILE", ca)])
}

/// A request (with `ca` trusted, `token` and a JSON `body` when given): the status and body, or the error's
/// chain.
fn send(
    method: reqwest::Method,
    url: &str,
    ca: Option<&Path>,
    token: Option<&str>,
    body: Option<Vec<u8>>,
) -> Result<(u16, String), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let mut client = gofed_registry::tls::client_builder().timeout(Duration::from_secs(10));
        if let Some(ca) = ca {
            let pem = std::fs::read(ca).expect("CA file");
            client =
                client.add_root_certificate(reqwest::Certificate::from_pem(&pem).expect("PEM"));
        }
        let mut request = client.build().expect("client").request(method, url);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body);
        }
        match request.send().await {
            Ok(resp) => {
                let status = resp.status().as_u16();
                Ok((status, resp.text().await.unwrap_or_default()))
            }
            Err(err) => {
                let mut chain = err.to_string();
                let mut source = std::error::Error::source(&err);
                while let Some(s) = source {
                    chain.push_str(&format!(": {s}"));
                    source = s.source();
                }
                Err(chain)
            }
        }
    })
}

/// A GET with `ca` trusted.
fn get(url: &str, ca: &Path, token: Option<&str>) -> Result<(u16, String), String> {
    send(reqwest::Method::GET, url, Some(ca), token, None)
}

/// A request over plain HTTP: the status.
fn status(method: reqwest::Method, url: &str, token: Option<&str>, body: Option<Vec<u8>>) -> u16 {
    send(method, url, None, token, body).expect("answer").0
}

/// A module to analyse.
fn module(dir: &Path) {
    write(dir, "go.mod", "module example.com/m\n\ngo 1.21\n");
    write(dir, "a/a.go", "package a\n\nfunc A() int { return 1 }\n");
}

#[test]
fn services_over_tls_answer_clients_that_trust_their_authority() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let pki = Pki::new(tmp.path(), "fleet");
    let (cert, key) = pki.server("api", (4000, 1, 1));
    let server = serve_tls(
        &["api", "filestorage"],
        &cert,
        &key,
        "s3cret",
        &tmp.path().join("blobs"),
        &pki.ca_file(),
    );
    assert!(
        server.url.starts_with("https://127.0.0.1:"),
        "{}",
        server.url
    );
    let src = tmp.path().join("src");
    module(&src);

    // The analysis, remote over TLS, with the authority from GOFED_CA_FILE: the same answer as in-process.
    let placement = format!("api={0} filestorage={0}", server.url);
    let remote = gofed_command()
        .args(["api", path(&src), "--format", "goapi"])
        .env("GOFED_PLACEMENT", &placement)
        .env("GOFED_TOKEN", "s3cret")
        .env("GOFED_CA_FILE", pki.ca_file())
        .output()
        .expect("run gofed");
    assert!(
        remote.status.success(),
        "{}",
        String::from_utf8_lossy(&remote.stderr)
    );
    let local = gofed_command()
        .args(["api", path(&src), "--format", "goapi"])
        .output()
        .expect("run gofed");
    assert_eq!(remote.stdout, local.stdout);
    assert_eq!(
        String::from_utf8_lossy(&remote.stdout),
        "pkg example.com/m/a, func A() int\n"
    );

    // Without the authority the client refuses the server, and says why.
    let untrusted = gofed_command()
        .args(["api", path(&src)])
        .env("GOFED_PLACEMENT", &placement)
        .env("GOFED_TOKEN", "s3cret")
        .output()
        .expect("run gofed");
    assert_eq!(untrusted.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&untrusted.stderr).to_lowercase();
    assert!(
        stderr.contains("certificate") || stderr.contains("unknown issuer"),
        "{stderr}"
    );

    // The probes answer without the token and say nothing else; the rest needs it.
    assert_eq!(
        get(&format!("{}/healthz", server.url), &pki.ca_file(), None),
        Ok((200, "ok".to_owned()))
    );
    assert_eq!(
        get(&format!("{}/readyz", server.url), &pki.ca_file(), None),
        Ok((200, "ready".to_owned()))
    );
    for route in ["/v1/info", "/metrics"] {
        let (status, _) =
            get(&format!("{}{route}", server.url), &pki.ca_file(), None).expect("answer");
        assert_eq!(status, 401, "{route}");
        let (status, _) = get(
            &format!("{}{route}", server.url),
            &pki.ca_file(),
            Some("wrong"),
        )
        .expect("answer");
        assert_eq!(status, 401, "{route} with a wrong token");
    }
    let (status, _) = get(
        &format!("{}/v1/info", server.url),
        &pki.ca_file(),
        Some("s3cret"),
    )
    .expect("answer");
    assert_eq!(status, 200);
    // Plain HTTP to the TLS port gets no answer.
    let plain = server.url.replace("https://", "http://");
    assert!(get(&format!("{plain}/healthz"), &pki.ca_file(), None).is_err());
}

#[test]
fn an_expired_certificate_is_refused_with_a_clear_error() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let pki = Pki::new(tmp.path(), "fleet");
    let (cert, key) = pki.server("old", (2021, 1, 1));
    let server = serve_tls(
        &["api"],
        &cert,
        &key,
        "t",
        &tmp.path().join("blobs"),
        &pki.ca_file(),
    );
    let err = get(&format!("{}/healthz", server.url), &pki.ca_file(), None).expect_err("refused");
    assert!(err.to_lowercase().contains("expired"), "{err}");
}

#[test]
fn sighup_reloads_the_certificate_and_a_broken_one_is_not_taken() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let (old_ca, new_ca) = (Pki::new(tmp.path(), "old"), Pki::new(tmp.path(), "new"));
    let (cert, key) = old_ca.server("server", (4000, 1, 1));
    let server = serve_tls(
        &["api"],
        &cert,
        &key,
        "t",
        &tmp.path().join("blobs"),
        &old_ca.ca_file(),
    );
    let healthz = format!("{}/healthz", server.url);
    assert_eq!(
        get(&healthz, &old_ca.ca_file(), None),
        Ok((200, "ok".to_owned()))
    );
    assert!(get(&healthz, &new_ca.ca_file(), None).is_err());

    // A broken file and SIGHUP: the old certificate stays.
    std::fs::write(&cert, "not a certificate").expect("write");
    hup(&server);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        get(&healthz, &old_ca.ca_file(), None),
        Ok((200, "ok".to_owned()))
    );

    // The new authority's certificate in the same files, SIGHUP: new connections get it.
    swap_certificate(&server, &cert, &key, &new_ca);
    assert!(get(&healthz, &old_ca.ca_file(), None).is_err());
}

/// SIGHUP to a server.
fn hup(server: &Process) {
    let status = std::process::Command::new("kill")
        .args(["-HUP", &server.child.id().to_string()])
        .stdout(Stdio::null())
        .status()
        .expect("kill");
    assert!(status.success());
}

/// Writes a certificate of `new_ca` into the server's `cert` and `key` files, sends SIGHUP, and waits until new
/// connections get it.
fn swap_certificate(server: &Process, cert: &Path, key: &Path, new_ca: &Pki) {
    let (new_cert, new_key) = new_ca.server("server", (4000, 1, 1));
    std::fs::copy(&new_cert, cert).expect("copy");
    std::fs::copy(&new_key, key).expect("copy");
    hup(server);
    let healthz = format!("{}/healthz", server.url);
    let switched = wait_until(Duration::from_secs(5), || {
        get(&healthz, &new_ca.ca_file(), None) == Ok((200, "ok".to_owned()))
    });
    assert!(
        switched.is_some(),
        "the new certificate is served after SIGHUP"
    );
}

/// A TLS connection to `address` trusting `ca` (rustls, synchronous): for a request written by hand, in pieces.
fn raw_tls(
    address: &str,
    ca: &Path,
) -> rustls::StreamOwned<rustls::ClientConnection, std::net::TcpStream> {
    use rustls::pki_types::pem::PemObject as _;
    gofed_registry::tls::install_provider();
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls::pki_types::CertificateDer::pem_file_iter(ca).expect("CA file") {
        roots.add(cert.expect("certificate")).expect("root");
    }
    let config = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from("127.0.0.1").expect("server name");
    let connection =
        rustls::ClientConnection::new(std::sync::Arc::new(config), name).expect("connection");
    let tcp = std::net::TcpStream::connect(address).expect("connect");
    tcp.set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    rustls::StreamOwned::new(connection, tcp)
}

/// A certificate reload does not cut the calls in flight: an upload whose first half was sent before SIGHUP
/// (over a connection made with the old certificate) finishes after it, while new connections get the new one.
#[test]
fn a_certificate_reload_keeps_the_calls_in_flight() {
    use std::io::{Read as _, Write as _};
    let tmp = tempfile::tempdir().expect("temp dir");
    let (old_ca, new_ca) = (Pki::new(tmp.path(), "old"), Pki::new(tmp.path(), "new"));
    let (cert, key) = old_ca.server("server", (4000, 1, 1));
    let server = serve_tls(
        &["filestorage"],
        &cert,
        &key,
        "t",
        &tmp.path().join("blobs"),
        &old_ca.ca_file(),
    );
    let address = server.url.trim_start_matches("https://").to_owned();
    // sha256("hello world")
    let sha = "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9";
    let mut upload = raw_tls(&address, &old_ca.ca_file());
    write!(
        upload,
        "PUT /v1/files/{sha} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer t\r\n\
         Content-Type: application/octet-stream\r\nContent-Length: 11\r\nConnection: close\r\n\r\nhello"
    )
    .expect("send the first half");
    upload.flush().expect("flush");

    swap_certificate(&server, &cert, &key, &new_ca);

    // The upload begun before the reload completes on its connection.
    upload.write_all(b" world").expect("send the second half");
    upload.flush().expect("flush");
    let mut answer = String::new();
    let _ = upload.read_to_string(&mut answer);
    let status_line = answer.lines().next().unwrap_or_default();
    assert!(
        status_line.starts_with("HTTP/1.1 2"),
        "the upload in flight was answered {answer:?}"
    );
    let stored = get(
        &format!("{}/v1/files/{sha}", server.url),
        &new_ca.ca_file(),
        Some("t"),
    )
    .expect("download");
    assert_eq!(stored, (200, "hello world".to_owned()));
}

#[test]
fn listening_beyond_loopback_needs_tls_and_a_token_or_insecure() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let blobs = tmp.path().join("blobs");
    for (args, missing) in [
        (
            &["serve", "api", "--no-register", "--listen", "0.0.0.0:0"][..],
            "without TLS and without a token",
        ),
        (
            &[
                "serve",
                "api",
                "--no-register",
                "--listen",
                "0.0.0.0:0",
                "--token",
                "t",
            ][..],
            "without TLS",
        ),
        (
            &["registry", "--listen", "0.0.0.0:0"][..],
            "without TLS and without a token",
        ),
    ] {
        let out = gofed_command()
            .args(args)
            .env("GOFED_BLOB_DIR", &blobs)
            .env_remove("GOFED_TOKEN")
            .output()
            .expect("run gofed");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!("refusing to listen on 0.0.0.0:0 {missing}"))
                && stderr.contains("--insecure"),
            "{args:?}: {stderr}"
        );
    }
    // Told so, or with TLS and a token, it starts.
    let insecure = Process::start(
        &[
            "serve",
            "api",
            "--no-register",
            "--listen",
            "0.0.0.0:0",
            "--insecure",
        ],
        &[("GOFED_BLOB_DIR", &blobs)],
    );
    assert!(
        insecure.url.starts_with("http://0.0.0.0:"),
        "{}",
        insecure.url
    );
    let pki = Pki::new(tmp.path(), "fleet");
    let (cert, key) = pki.server("s", (4000, 1, 1));
    let secured = Process::start(
        &[
            "serve",
            "api",
            "--no-register",
            "--listen",
            "0.0.0.0:0",
            "--tls-cert",
            path(&cert),
            "--tls-key",
            path(&key),
            "--token",
            "t",
        ],
        &[("GOFED_BLOB_DIR", &blobs)],
    );
    assert!(
        secured.url.starts_with("https://0.0.0.0:"),
        "{}",
        secured.url
    );
    // A certificate without its key is a mistake, said before anything listens.
    let out = gofed_command()
        .args(["serve", "api", "--no-register", "--tls-cert", path(&cert)])
        .env("GOFED_BLOB_DIR", &blobs)
        .output()
        .expect("run gofed");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("tls_cert is set without tls_key"));
}

#[test]
fn the_registry_over_tls_requires_the_fleets_token() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let pki = Pki::new(tmp.path(), "fleet");
    let (cert, key) = pki.server("registry", (4000, 1, 1));
    let registry = Process::start(
        &[
            "registry",
            "--listen",
            "127.0.0.1:0",
            "--tls-cert",
            path(&cert),
            "--tls-key",
            path(&key),
            "--token",
            "fleet",
        ],
        &[],
    );
    assert!(registry.url.starts_with("https://"), "{}", registry.url);
    let ca = pki.ca_file();
    // Probes need no token; the registry's data does.
    assert_eq!(
        get(&format!("{}/healthz", registry.url), &ca, None).map(|r| r.0),
        Ok(200)
    );
    let services = format!("{}/v1/registry/services/api", registry.url);
    assert_eq!(get(&services, &ca, None).map(|r| r.0), Ok(401));

    // A service with the token registers; one without is refused and says so.
    let blobs = tmp.path().join("blobs");
    let without = gofed_command()
        .args([
            "serve",
            "api",
            "--listen",
            "127.0.0.1:0",
            "--registry",
            &registry.url,
        ])
        .env("GOFED_BLOB_DIR", &blobs)
        .env("GOFED_CA_FILE", &ca)
        .env_remove("GOFED_TOKEN")
        .output()
        .expect("run gofed");
    assert_ne!(without.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&without.stderr).contains("401")
            || String::from_utf8_lossy(&without.stderr).contains("unauthorized"),
        "{}",
        String::from_utf8_lossy(&without.stderr)
    );
    let (scert, skey) = pki.server("api", (4000, 1, 1));
    let _api = Process::start(
        &[
            "serve",
            "api",
            "filestorage",
            "--listen",
            "127.0.0.1:0",
            "--registry",
            &registry.url,
            "--token",
            "fleet",
            "--tls-cert",
            path(&scert),
            "--tls-key",
            path(&skey),
        ],
        &[("GOFED_BLOB_DIR", &blobs), ("GOFED_CA_FILE", &ca)],
    );
    let listed = get(&services, &ca, Some("fleet")).expect("answer");
    assert_eq!(listed.0, 200);
    assert!(listed.1.contains("https://127.0.0.1:"), "{}", listed.1);
    // And a client finds it through the registry, over TLS both ways.
    let src = tmp.path().join("src");
    module(&src);
    let out = gofed_command()
        .args([
            "api",
            path(&src),
            "--format",
            "goapi",
            "--remote",
            "--registry",
            &registry.url,
        ])
        .env("GOFED_TOKEN", "fleet")
        .env("GOFED_CA_FILE", &ca)
        .output()
        .expect("run gofed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "pkg example.com/m/a, func A() int\n"
    );
}

#[test]
fn a_registry_token_changes_only_its_own_instances_and_admin_any() {
    let tmp = tempfile::tempdir().expect("temp dir");
    write(
        tmp.path(),
        "tokens",
        "read look\nwrite team-a\nwrite team-b\n",
    );
    let tokens = tmp.path().join("tokens");
    let registry = Process::start(
        &["registry", "--listen", "127.0.0.1:0", "--token", "operator"],
        &[("GOFED_TOKENS_FILE", &tokens)],
    );
    let _api = Process::start(
        &[
            "serve",
            "api",
            "--listen",
            "127.0.0.1:0",
            "--registry",
            &registry.url,
        ],
        &[
            ("GOFED_BLOB_DIR", &tmp.path().join("blobs")),
            ("GOFED_TOKEN", Path::new("team-a")),
        ],
    );
    let system = |args: &[&str], token: &str| {
        let out = gofed_command()
            .arg("system")
            .args(args)
            .args(["--registry", &registry.url])
            .env("GOFED_TOKEN", token)
            .output()
            .expect("run gofed");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let instances = |token: &str| -> Vec<String> {
        let (_, stdout, stderr) = system(&["status", "--format", "json"], token);
        let status: serde_json::Value = serde_json::from_str(&stdout).expect(&stderr);
        status["services"][0]["instances"]
            .as_array()
            .map(|list| {
                list.iter()
                    .filter_map(|i| i["instance_id"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let listed = instances("look");
    assert_eq!(listed.len(), 1, "{listed:?}");
    let id = listed[0].as_str();

    // Another team's write token may not remove it, nor may a read token; the message says why.
    let (code, _, stderr) = system(&["deregister", "api", id], "team-b");
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("registered with another token"), "{stderr}");
    let (code, _, stderr) = system(&["deregister", "api", id], "look");
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("scope is read; write is needed"),
        "{stderr}"
    );
    assert_eq!(instances("look").len(), 1);

    // The operator's admin token may.
    let (code, _, stderr) = system(&["deregister", "api", id], "operator");
    assert_eq!(code, Some(0), "{stderr}");
    assert!(instances("look").is_empty());
}

#[test]
fn each_token_does_what_its_scope_allows() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let tokens = tmp.path().join("tokens");
    write(
        tmp.path(),
        "tokens",
        "# scope token\nread r3ad\nwrite wr1te\n",
    );
    let server = Process::start(
        &[
            "serve",
            "api",
            "filestorage",
            "--no-register",
            "--allow-paths",
            "--listen",
            "127.0.0.1:0",
            "--token",
            "adm1n",
        ],
        &[
            ("GOFED_BLOB_DIR", &tmp.path().join("blobs")),
            ("GOFED_TOKENS_FILE", &tokens),
            ("GOFED_METRICS_TOKEN", Path::new("scrape")),
        ],
    );
    let src = tmp.path().join("src");
    module(&src);
    let url = |route: &str| format!("{}{route}", server.url);
    let content = b"hello".to_vec();
    // sha256("hello")
    let file = url("/v1/files/2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
    let analysis = |record: bool| {
        serde_json::to_vec(&serde_json::json!({
            "source": {"path": src},
            "format": "goapi",
            "record": record,
        }))
        .expect("JSON")
    };
    use reqwest::Method;
    // Unknown or missing tokens: 401; probes need none.
    assert_eq!(status(Method::GET, &url("/v1/info"), None, None), 401);
    assert_eq!(
        status(Method::GET, &url("/v1/info"), Some("nope"), None),
        401
    );
    assert_eq!(status(Method::GET, &url("/healthz"), None, None), 200);
    assert_eq!(status(Method::GET, &url("/readyz"), None, None), 200);
    // The scraper's token: /metrics and nothing else.
    assert_eq!(
        status(Method::GET, &url("/metrics"), Some("scrape"), None),
        200
    );
    assert_eq!(
        status(Method::GET, &url("/v1/info"), Some("scrape"), None),
        401
    );
    // read: look and analyse, not upload or record.
    assert_eq!(
        status(Method::GET, &url("/v1/info"), Some("r3ad"), None),
        200
    );
    assert_eq!(
        status(
            Method::POST,
            &url("/v1/actions/api_analysis"),
            Some("r3ad"),
            Some(analysis(false))
        ),
        200
    );
    assert_eq!(
        status(
            Method::POST,
            &url("/v1/actions/api_analysis"),
            Some("r3ad"),
            Some(analysis(true))
        ),
        403
    );
    assert_eq!(
        status(Method::PUT, &file, Some("r3ad"), Some(content.clone())),
        403
    );
    let inline =
        serde_json::to_vec(&serde_json::json!({"content_base64": "aGVsbG8="})).expect("JSON");
    assert_eq!(
        status(
            Method::POST,
            &url("/v1/actions/upload"),
            Some("r3ad"),
            Some(inline.clone())
        ),
        403
    );
    assert_eq!(status(Method::GET, &file, Some("r3ad"), None), 404);
    // write: upload too; the read token then downloads.
    assert!(matches!(
        status(Method::PUT, &file, Some("wr1te"), Some(content.clone())),
        200 | 201
    ));
    assert_eq!(
        status(
            Method::POST,
            &url("/v1/actions/upload"),
            Some("wr1te"),
            Some(inline)
        ),
        200
    );
    assert_eq!(status(Method::GET, &file, Some("r3ad"), None), 200);
    // The configured token is admin: everything.
    assert!(matches!(
        status(Method::PUT, &file, Some("adm1n"), Some(content)),
        200 | 201
    ));

    // A tokens file with a bad line stops the start, naming the line and never a token.
    write(tmp.path(), "bad-tokens", "read r3ad\nsuper s3cret\n");
    let out = gofed_command()
        .args(["serve", "api", "--no-register", "--listen", "127.0.0.1:0"])
        .env("GOFED_BLOB_DIR", tmp.path().join("blobs"))
        .env("GOFED_TOKENS_FILE", tmp.path().join("bad-tokens"))
        .output()
        .expect("run gofed");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bad-tokens:2: expected read, write or admin"),
        "{stderr}"
    );
    assert!(!stderr.contains("s3cret"), "{stderr}");
}

#[test]
fn the_systemd_units_verify_and_are_hardened() {
    let analyze = Path::new("/usr/bin/systemd-analyze");
    if !analyze.is_file() {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
        assert!(
            !ci,
            "systemd-analyze is not installed and CI=true (scripts/install-test-deps.sh)"
        );
        eprintln!("\n########## SKIP the systemd unit check: systemd-analyze is not installed ##########\n");
        return;
    }
    let deploy = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy");
    let tmp = tempfile::tempdir().expect("temp dir");
    let mut units = 0;
    for entry in std::fs::read_dir(&deploy).expect("deploy/") {
        let path = entry.expect("entry").path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if !name.ends_with(".service") {
            continue;
        }
        units += 1;
        let text = std::fs::read_to_string(&path).expect("unit");
        for hardening in [
            "DynamicUser=yes",
            "ProtectSystem=strict",
            "NoNewPrivileges=yes",
            "CapabilityBoundingSet=\n",
            "ExecReload=/bin/kill -HUP $MAINPID",
        ] {
            assert!(text.contains(hardening), "{name}: {hardening:?}");
        }
        // The binary under test stands for /usr/bin/gofed (verify checks that the command exists); a template is
        // verified as one of its instances.
        let text = text.replace("/usr/bin/gofed", crate::common::GOFED);
        let instance = name.replace("@.", "@api.");
        write(tmp.path(), &instance, text);
        let out = std::process::Command::new(analyze)
            .arg("verify")
            .arg(tmp.path().join(&instance))
            .output()
            .expect("run systemd-analyze");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && stderr.trim().is_empty(),
            "{name}: {stderr}"
        );
    }
    assert_eq!(units, 2, "deploy/ holds the registry's and serve's units");
}

#[test]
fn config_show_says_where_each_value_came_from_and_masks_secrets() {
    let tmp = tempfile::tempdir().expect("temp dir");
    write(
        tmp.path(),
        "gofed.toml",
        "[server]\nlisten = \"127.0.0.1:8811\"\ntoken = \"file-secret\"\n\
         tokens = [{ token = \"read-secret\", scope = \"read\" }]\n\
         [store]\nurl = \"postgresql://gofed:db-secret@db.example/gofed\"\n",
    );
    let config = tmp.path().join("gofed.toml");
    let out = gofed_command()
        .args([
            "--config",
            path(&config),
            "--registry",
            "http://10.0.0.1:18811",
            "config",
            "show",
        ])
        .env("GOFED_CACHE_SIZE", "1000")
        .env("GOFED_TOKEN", "env-secret")
        .env_remove("GOFED_STORE")
        .output()
        .expect("run gofed");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for line in [
        "server.listen = \"127.0.0.1:8811\"  # file",
        "client.cache_size = 1000  # environment",
        "server.token = \"***\"  # environment",
        "server.tokens = [{\"scope\":\"read\",\"token\":\"***\"}]  # file",
        "store.url = \"postgresql://gofed:***@db.example/gofed\"  # file",
        "system.registry = \"http://10.0.0.1:18811\"  # flag",
        "server.max_concurrent_calls = 64  # default",
    ] {
        assert!(text.contains(line), "{line:?} in {text}");
    }
    for secret in ["file-secret", "read-secret", "db-secret", "env-secret"] {
        assert!(!text.contains(secret), "{secret} shown: {text}");
    }
}

/// `gofed ARGS` as a server logging JSON at info into `log`; its `listening on URL` line's URL.
fn serve_logging(args: &[&str], blobs: &Path, log: &Path) -> (std::process::Child, String) {
    use std::io::BufRead as _;
    let mut child = gofed_command()
        .args(args)
        .env("GOFED_BLOB_DIR", blobs)
        .env("GOFED_LOG", "info")
        .env("GOFED_LOG_FORMAT", "json")
        .env_remove("GOFED_PLACEMENT")
        .env_remove("GOFED_REGISTRY")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(log).expect("log file"))
        .spawn()
        .expect("spawn gofed");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("listening line");
    let url = line.split_whitespace().nth(2).expect("URL").to_owned();
    (child, url)
}

/// The `request_id`s of a JSON log's lines.
fn request_ids(log: &str) -> Vec<String> {
    log.lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter_map(|v| v["span"]["request_id"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn one_request_id_is_in_the_json_logs_of_client_service_and_storage() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let (fs_log, api_log) = (tmp.path().join("fs.log"), tmp.path().join("api.log"));
    let (mut storage, storage_url) = serve_logging(
        &["serve", "filestorage", "--no-register"],
        &tmp.path().join("b1"),
        &fs_log,
    );
    let placement = format!("filestorage={storage_url}");
    let (mut api, api_url) = serve_logging(
        &["--placement", &placement, "serve", "api", "--no-register"],
        &tmp.path().join("b2"),
        &api_log,
    );
    let src = tmp.path().join("src");
    module(&src);
    let out = gofed_command()
        .args(["api", path(&src), "--format", "goapi"])
        .env(
            "GOFED_PLACEMENT",
            format!("api={api_url} filestorage={storage_url}"),
        )
        .env("GOFED_LOG", "info")
        .env("GOFED_LOG_FORMAT", "json")
        .output()
        .expect("run gofed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let client_ids = request_ids(&String::from_utf8_lossy(&out.stderr));
    let id = client_ids
        .first()
        .expect("the client logs with its request id")
        .clone();
    assert!(client_ids.iter().all(|i| *i == id), "{client_ids:?}");
    // The service answered the call in that request, and the storage both the upload and the service's fetch.
    std::thread::sleep(Duration::from_millis(200));
    let _ = (storage.kill(), api.kill(), storage.wait(), api.wait());
    let api_ids = request_ids(&std::fs::read_to_string(&api_log).expect("api log"));
    let fs_ids = request_ids(&std::fs::read_to_string(&fs_log).expect("storage log"));
    assert!(api_ids.contains(&id), "{id} in {api_ids:?}");
    assert!(
        fs_ids.iter().filter(|i| **i == id).count() >= 3,
        "upload_url, the upload and the service's fetch under {id}: {fs_ids:?}"
    );
}

#[test]
fn mutual_tls_refuses_a_client_without_a_certificate_of_the_fleet() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let (fleet, stranger) = (
        Pki::new(tmp.path(), "fleet"),
        Pki::new(tmp.path(), "stranger"),
    );
    let (cert, key) = fleet.server("api", (4000, 1, 1));
    // The service is a client of its filestorage too: it presents a certificate of its own.
    let (service_cert, service_key) = fleet.client("api-service");
    let server = Process::start(
        &[
            "serve",
            "api",
            "filestorage",
            "--no-register",
            "--listen",
            "127.0.0.1:0",
            "--token",
            "t",
            "--tls-cert",
            path(&cert),
            "--tls-key",
            path(&key),
            "--tls-client-ca",
            path(&fleet.ca_file()),
        ],
        &[
            ("GOFED_BLOB_DIR", &tmp.path().join("blobs")),
            ("GOFED_CA_FILE", &fleet.ca_file()),
            ("GOFED_CLIENT_CERT", &service_cert),
            ("GOFED_CLIENT_KEY", &service_key),
        ],
    );
    let src = tmp.path().join("src");
    module(&src);
    let placement = format!("api={0} filestorage={0}", server.url);
    let call = |client: Option<(&Path, &Path)>| {
        let mut command = gofed_command();
        command
            .args(["api", path(&src), "--format", "goapi"])
            .env("GOFED_PLACEMENT", &placement)
            .env("GOFED_TOKEN", "t")
            .env("GOFED_CA_FILE", fleet.ca_file());
        if let Some((cert, key)) = client {
            command
                .env("GOFED_CLIENT_CERT", cert)
                .env("GOFED_CLIENT_KEY", key);
        }
        command.output().expect("run gofed")
    };
    // No certificate, or one the fleet did not sign: the handshake fails, and the client says so.
    for client in [None, Some(stranger.client("intruder"))] {
        let out = call(client.as_ref().map(|(c, k)| (c.as_path(), k.as_path())));
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr).to_lowercase();
        assert!(
            stderr.contains("certificate")
                || stderr.contains("handshake")
                || stderr.contains("alert"),
            "{stderr}"
        );
    }
    // The fleet's client certificate: the upload and the call go through (and the service's fetch of the bundle
    // from its filestorage, with the service's certificate).
    let (client_cert, client_key) = fleet.client("worker");
    let out = call(Some((&client_cert, &client_key)));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "pkg example.com/m/a, func A() int\n"
    );
}

/// `/readyz` (no token) follows what the instance depends on: its registration, and the store its storage
/// service reads; it recovers when they come back, and its reason names no address.
#[test]
fn readiness_follows_the_registration_and_the_store() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let Some(pg) = runtime.block_on(crate::postgres::start_postgres(
        "security::readiness_follows_the_registration_and_the_store",
    )) else {
        return;
    };
    let conninfo = pg.conninfo();
    let registry = Process::start(&["registry", "--listen", "127.0.0.1:0"], &[]);
    let registry_address = registry.address().to_owned();
    let serve = Process::start(
        &[
            "serve",
            "apistorage",
            "--listen",
            "127.0.0.1:0",
            "--registry",
            &registry.url,
            "--heartbeat-ms",
            "200",
            "--ttl-ms",
            "1000",
            "--token",
            "fleet",
        ],
        &[
            ("GOFED_BLOB_DIR", &tmp.path().join("blobs")),
            ("GOFED_STORE", Path::new(&conninfo)),
        ],
    );
    let readyz = format!("{}/readyz", serve.url);
    let probe = || send(reqwest::Method::GET, &readyz, None, None, None).expect("answer");
    let becomes = |expected: (u16, &str)| {
        let mut last = (0, String::new());
        let reached = wait_until(Duration::from_secs(15), || {
            last = probe();
            (last.0, last.1.as_str()) == expected
        });
        assert!(
            reached.is_some(),
            "expected {expected:?}, last answer {last:?}"
        );
    };
    becomes((200, "ready"));

    // The registry goes away: not registered, until it is back (the instance registers again by itself).
    drop(registry);
    becomes((503, "not ready: not registered"));
    let _registry = Process::start(&["registry", "--listen", &registry_address], &[]);
    becomes((200, "ready"));

    // The store goes away.
    drop(pg);
    becomes((503, "not ready: store unreachable"));
}

/// An etcd registry over TLS that requires client certificates (`--client-cert-auth`), with its own authority
/// apart from the fleet's: a service registers and a client lists through `etcds://` with `[system.etcd]`;
/// without the client certificate, or without etcd's authority, the command fails and says why.
#[test]
fn an_etcd_registry_over_mutual_tls_takes_its_own_authority_and_client_certificate() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let etcd_pki = Pki::new(tmp.path(), "etcd");
    let (cert, key) = etcd_pki.server("etcd-server", (4000, 1, 1));
    let files = crate::etcd_process::EtcdTlsFiles {
        cert,
        key,
        client_ca: etcd_pki.ca_file(),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let test =
        "security::an_etcd_registry_over_mutual_tls_takes_its_own_authority_and_client_certificate";
    let Some(etcd) = runtime.block_on(crate::etcd_process::start_etcd_with(test, Some(&files)))
    else {
        return;
    };
    let registry = etcd.endpoint.replace("https://", "etcds://");
    let ca = etcd_pki.ca_file();
    let (client_cert, client_key) = etcd_pki.client("gofed");
    let with_tls = [
        ("GOFED_ETCD_CA_FILE", ca.as_path()),
        ("GOFED_ETCD_CERT", client_cert.as_path()),
        ("GOFED_ETCD_KEY", client_key.as_path()),
    ];
    let blobs = tmp.path().join("blobs");
    let mut envs = vec![("GOFED_BLOB_DIR", blobs.as_path())];
    envs.extend(with_tls);
    let api = Process::start(
        &[
            "serve",
            "api",
            "--listen",
            "127.0.0.1:0",
            "--registry",
            &registry,
        ],
        &envs,
    );
    let status = |envs: &[(&str, &Path)]| {
        let mut command = gofed_command();
        command.args([
            "system",
            "status",
            "--format",
            "json",
            "--registry",
            &registry,
        ]);
        for (name, value) in envs {
            command.env(name, value);
        }
        let out = command.output().expect("run gofed");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, stdout, stderr) = status(&with_tls);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains(&api.url), "{stdout}");

    // Without the client certificate etcd refuses the connection.
    let (code, _, stderr) = status(&with_tls[..1]);
    assert_eq!(code, Some(2), "{stderr}");
    // (With TLS 1.3 the refusal comes after the handshake: the client sees etcd's alert, or only a broken
    // connection, so the hint cannot always be given.)
    assert!(stderr.contains("cannot list the registry"), "{stderr}");
    // Without etcd's authority its certificate is not trusted.
    let (code, _, stderr) = status(&with_tls[1..]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("hint: the server's certificate is signed by an authority not trusted here: set [system.etcd] ca_file"),
        "{stderr}"
    );
    // A certificate without its key is a configuration error naming the file.
    let (code, _, stderr) = status(&with_tls[..2]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("etcd TLS") && stderr.contains("without its key"),
        "{stderr}"
    );
}

/// `docs/configuration.md` is what `gofed config reference` writes from the configuration types, so it
/// documents every setting there is; `--format json` is the JSON Schema it is written from.
#[test]
fn the_configuration_reference_is_generated_and_current() {
    let out = gofed_command()
        .args(["config", "reference"])
        .output()
        .expect("run gofed");
    assert!(out.status.success());
    let generated = String::from_utf8(out.stdout).expect("utf-8");
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/configuration.md");
    let written = std::fs::read_to_string(&file).expect("docs/configuration.md");
    assert!(
        generated == written,
        "docs/configuration.md is stale: run `cargo run --release -- config reference > docs/configuration.md`"
    );
    for expected in [
        "## `[server]`",
        "## `[system.etcd]`",
        "- **`tls_client_ca`** (string; default: unset; `GOFED_TLS_CLIENT_CA`)",
        "- **`heartbeat_ms`** (integer; default: `2000`; `GOFED_HEARTBEAT_MS`)",
        "- **`files`** (one of `\"dir\"`, `\"store\"`; default: `\"dir\"`; `GOFED_FILES`)",
    ] {
        assert!(generated.contains(expected), "missing {expected:?}");
    }
    let out = gofed_command()
        .args(["config", "reference", "--format", "json"])
        .output()
        .expect("run gofed");
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON Schema");
    assert_eq!(schema["title"], "Config");
    assert!(schema["$defs"]["ServerConfig"]["properties"]["listen"].is_object());
}
