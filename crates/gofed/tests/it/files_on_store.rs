//! `[server] files = "store"` (issue #11: `filestorage` on the store): two real `gofed serve filestorage`
//! processes on one PostgreSQL serve each other's uploads; an upload cut off by `kill -9` leaves no file; on
//! SQLite, a stored file changed on disk is an error, never served.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::Path;
use std::time::Duration;

use crate::common::system::Process;

/// `gofed serve filestorage` with its files in `store`.
fn serve_files(store: &str) -> Process {
    Process::start(
        &[
            "serve",
            "filestorage",
            "--no-register",
            "--listen",
            "127.0.0.1:0",
        ],
        &[
            ("GOFED_FILES", Path::new("store")),
            ("GOFED_STORE", Path::new(store)),
        ],
    )
}

/// `METHOD /v1/files/SHA256` with `body` on a fresh connection: the status and the response body. A server may
/// answer before it has read the whole body (a file it already holds: 200) and close the connection; the rest of
/// the body then meets a closed socket, and the kernel may drop the answer with the reset: the request (each
/// one here is idempotent) is made again, at most five times.
fn request(process: &Process, method: &str, sha256: &str, body: &[u8]) -> (u16, Vec<u8>) {
    for _ in 0..5 {
        if let Some(answer) = try_request(process, method, sha256, body) {
            return answer;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{method} {sha256}: the connection closed before an answer, five times");
}

/// One attempt of [`request`]; `None` when the connection closed before a whole answer head.
fn try_request(
    process: &Process,
    method: &str,
    sha256: &str,
    body: &[u8],
) -> Option<(u16, Vec<u8>)> {
    let mut stream = TcpStream::connect(process.address()).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    write!(
        stream,
        "{method} /v1/files/{sha256} HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .expect("send the head");
    let closed_early = |err: &std::io::Error| {
        matches!(
            err.kind(),
            std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset
        )
    };
    if let Err(err) = stream.write_all(body) {
        assert!(closed_early(&err), "send the body: {err}");
    }
    let mut answer = Vec::new();
    if let Err(err) = stream.read_to_end(&mut answer) {
        assert!(closed_early(&err), "read the answer: {err}");
    }
    let head_end = answer.windows(4).position(|w| w == b"\r\n\r\n")?;
    let status = String::from_utf8_lossy(&answer[..head_end])
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status");
    Some((status, answer[head_end + 4..].to_vec()))
}

#[test]
fn files_on_one_postgres_store_are_served_by_every_instance_and_never_half() {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let Some(pg) = runtime.block_on(crate::postgres::start_postgres(
        "files_on_store::files_on_one_postgres_store_are_served_by_every_instance_and_never_half",
    )) else {
        return;
    };
    let store = pg.conninfo();
    let mut a = serve_files(&store);
    let b = serve_files(&store);
    let data = crate::postgres::bytes(7, 3 << 20);
    let sha256 = gofed_artifact::sha256_hex(&data);
    assert_eq!(request(&a, "PUT", &sha256, &data).0, 201);
    assert_eq!(request(&b, "PUT", &sha256, &data).0, 200, "already stored");
    let (status, body) = request(&b, "GET", &sha256, b"");
    assert_eq!(status, 200);
    assert!(body == data, "the bytes uploaded to the other instance");
    assert_eq!(request(&b, "HEAD", &sha256, b"").0, 200);

    // An upload cut off by kill -9: half the body sent, then the instance dies.
    let other = crate::postgres::bytes(8, 2 << 20);
    let other_sha = gofed_artifact::sha256_hex(&other);
    let mut stream = TcpStream::connect(a.address()).expect("connect");
    write!(
        stream,
        "PUT /v1/files/{other_sha} HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
        other.len()
    )
    .expect("send the head");
    stream
        .write_all(&other[..other.len() / 2])
        .expect("send half");
    std::thread::sleep(Duration::from_millis(200));
    a.kill9();
    assert_eq!(request(&b, "GET", &other_sha, b"").0, 404, "no half file");
    // A wrong body is refused and stores nothing either.
    let (status, answer) = request(&b, "PUT", &other_sha, &data);
    assert_eq!(status, 400, "{}", String::from_utf8_lossy(&answer));
    assert_eq!(request(&b, "HEAD", &other_sha, b"").0, 404);
    // Restarted, the killed instance serves what was acknowledged.
    let a = serve_files(&store);
    assert!(request(&a, "GET", &sha256, b"").1 == data);
}

#[test]
fn a_stored_file_changed_on_disk_is_an_error_never_served() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store_dir = dir.path().join("store");
    let server = serve_files(&format!("sqlite:{}", store_dir.display()));
    let data = b"package p\n".to_vec();
    let sha256 = gofed_artifact::sha256_hex(&data);
    assert_eq!(request(&server, "PUT", &sha256, &data).0, 201);
    let on_disk = store_dir.join("blobs").join(&sha256[..2]).join(&sha256);
    assert_eq!(std::fs::read(&on_disk).expect("the blob's file"), data);
    std::fs::write(&on_disk, b"package q\n").expect("change it");
    let (status, body) = request(&server, "GET", &sha256, b"");
    assert_eq!(status, 500, "{}", String::from_utf8_lossy(&body));
    assert!(!body.windows(9).any(|w| w == b"package q"), "not served");
}
