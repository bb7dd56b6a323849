//! A loopback HTTP server of fixed files: downloads (archives, forges, Koji) without the network.

use std::io::{BufRead as _, BufReader, Write as _};
use std::net::TcpListener;
use std::sync::Arc;

/// What a [`FileServer`] serves: (path, body) pairs.
type Served = Arc<std::sync::Mutex<Vec<(String, Vec<u8>)>>>;

/// A loopback HTTP server answering `GET path` with `body` for the paths in `files` (which [`FileServer::replace`]
/// changes), 404 otherwise; counts the requests per path.
pub struct FileServer {
    pub url: String,
    hits: Arc<std::sync::Mutex<Vec<String>>>,
    files: Served,
}

impl FileServer {
    pub fn start(files: Vec<(String, Vec<u8>)>) -> FileServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let hits = Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = Arc::clone(&hits);
        let files = Arc::new(std::sync::Mutex::new(files));
        let served = Arc::clone(&files);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                let mut first = String::new();
                if reader.read_line(&mut first).is_err() {
                    continue;
                }
                loop {
                    let mut line = String::new();
                    match reader.read_line(&mut line) {
                        Ok(0) | Err(_) => break,
                        Ok(_) if line == "\r\n" => break,
                        Ok(_) => {}
                    }
                }
                let path = first.split_whitespace().nth(1).unwrap_or("").to_owned();
                seen.lock().expect("lock").push(path.clone());
                let files = served.lock().expect("lock");
                let response = match files.iter().find(|(p, _)| *p == path) {
                    Some((_, body)) => {
                        let mut r = format!(
                            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n",
                            body.len()
                        )
                        .into_bytes();
                        r.extend_from_slice(body);
                        r
                    }
                    None => {
                        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                            .to_vec()
                    }
                };
                let _ = stream.write_all(&response);
            }
        });
        FileServer { url, hits, files }
    }

    /// Serves `body` at `path` from now on.
    pub fn replace(&self, path: &str, body: Vec<u8>) {
        let mut files = self.files.lock().expect("lock");
        files.retain(|(p, _)| p != path);
        files.push((path.to_owned(), body));
    }

    pub fn hits(&self, path: &str) -> usize {
        self.hits
            .lock()
            .expect("lock")
            .iter()
            .filter(|p| *p == path)
            .count()
    }
}
