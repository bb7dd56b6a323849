//! A real headless Chromium driven through ChromeDriver, for the console's browser tests.
//!
//! The W3C WebDriver protocol is JSON over HTTP; the few commands the tests need (navigate, find, click, type,
//! run a script, read the browser's log, take a screenshot) are written here over the workspace's reqwest. The
//! WebDriver crates (thirtyfour, fantoccini) turn on serde_json's `preserve_order` for the whole workspace's
//! test build, which changes the order of JSON objects that gofed's outputs and cache keys rely on.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Whether Chromium and ChromeDriver are installed (with `CI=true` a missing browser is a failure).
pub fn available() -> bool {
    let present = Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists();
    if !present {
        let ci = matches!(std::env::var("CI").as_deref(), Ok("true" | "1"));
        assert!(
            !ci,
            "CI=true: chromium and chromium-driver are needed (scripts/install-test-deps.sh installs them)"
        );
        eprintln!("!!!!!!!! SKIPPED: chromium or chromedriver is not installed !!!!!!!!");
    }
    present
}

/// A browser session; ChromeDriver (and with it Chromium) is killed when dropped.
pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    http: reqwest::Client,
    runtime: tokio::runtime::Runtime,
    _profile: tempfile::TempDir,
}

/// A WebDriver error answer.
#[derive(Debug)]
pub struct WebDriverError {
    pub error: String,
    pub message: String,
}

impl Browser {
    pub fn start() -> Browser {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let profile = tempfile::tempdir().expect("a profile directory");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let mut browser = Browser {
            driver,
            base: format!("http://127.0.0.1:{port}"),
            session: String::new(),
            http: super::http_client(),
            runtime,
            _profile: profile,
        };
        // ChromeDriver answers /status once it listens.
        let started = Instant::now();
        while browser.request("GET", "/status", None).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "chromedriver did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        // The flags the machine's notes give for a closed network, and a fresh profile.
        let args = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1280,900",
            &format!("--user-data-dir={}", browser._profile.path().display()),
        ];
        let capabilities = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": CHROMIUM, "args": args },
            "goog:loggingPrefs": { "browser": "ALL" },
            "unhandledPromptBehavior": "ignore",
        } } });
        let answer = browser
            .request("POST", "/session", Some(capabilities))
            .expect("a WebDriver session");
        browser.session = answer["sessionId"]
            .as_str()
            .expect("a session id")
            .to_owned();
        browser
    }

    fn request(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, WebDriverError> {
        let url = format!("{}{path}", self.base);
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
        let mut request = self.http.request(method, &url);
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let answer = self.runtime.block_on(async {
            let response = request.send().await.map_err(|err| err.to_string())?;
            response.bytes().await.map_err(|err| err.to_string())
        });
        let bytes = answer.map_err(|message| WebDriverError {
            error: "transport".into(),
            message,
        })?;
        let value: Value = serde_json::from_slice(&bytes).map_err(|err| WebDriverError {
            error: "decode".into(),
            message: format!("{err}: {}", String::from_utf8_lossy(&bytes)),
        })?;
        let value = value.get("value").cloned().unwrap_or(Value::Null);
        if let Some(error) = value.get("error").and_then(Value::as_str) {
            return Err(WebDriverError {
                error: error.to_owned(),
                message: value["message"].as_str().unwrap_or_default().to_owned(),
            });
        }
        Ok(value)
    }

    fn session_request(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let full = format!("/session/{}{path}", self.session);
        self.request(method, &full, body)
            .unwrap_or_else(|err| panic!("WebDriver {path}: {err:?}"))
    }

    /// Opens `url` and waits for the page to load.
    pub fn goto(&self, url: &str) {
        self.session_request("POST", "/url", Some(json!({ "url": url })));
    }

    pub fn current_url(&self) -> String {
        self.session_request("GET", "/url", None)
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub fn title(&self) -> String {
        self.session_request("GET", "/title", None)
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Runs `script` (a function body; `arguments` are `args`) in the page and returns what it returns.
    pub fn script(&self, script: &str, args: Vec<Value>) -> Value {
        self.session_request(
            "POST",
            "/execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
    }

    /// The element `css` selects (panics when none does).
    pub fn find(&self, css: &str) -> String {
        let element = self.session_request(
            "POST",
            "/element",
            Some(json!({ "using": "css selector", "value": css })),
        );
        element
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element {css}"))
            .to_owned()
    }

    /// Types `text` into the element `css` selects (a file input takes a path).
    pub fn type_into(&self, css: &str, text: &str) {
        let element = self.find(css);
        self.session_request(
            "POST",
            &format!("/element/{element}/value"),
            Some(json!({ "text": text })),
        );
    }

    /// Clicks the element `css` selects.
    pub fn click(&self, css: &str) {
        let element = self.find(css);
        self.session_request(
            "POST",
            &format!("/element/{element}/click"),
            Some(json!({})),
        );
    }

    /// Clicks what `css` selects (a submit button, a link) and waits until the next page has loaded: a mark put
    /// on the current page is gone and the new document is complete.
    pub fn click_and_wait(&self, css: &str) {
        self.script("window.__gofedOldPage = true;", vec![]);
        self.click(css);
        let started = Instant::now();
        loop {
            let state = self.request(
                "POST",
                &format!("/session/{}/execute/sync", self.session),
                Some(json!({
                    "script": "return window.__gofedOldPage === undefined && document.readyState === 'complete';",
                    "args": [],
                })),
            );
            if matches!(state, Ok(Value::Bool(true))) {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "no new page after clicking {css}"
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// The text of the alert the page opened, if it opened one.
    pub fn alert_text(&self) -> Option<String> {
        let path = format!("/session/{}/alert/text", self.session);
        self.request("GET", &path, None)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
    }

    /// The browser console's entries since the last call: (level, message).
    pub fn console_log(&self) -> Vec<(String, String)> {
        let entries = self.session_request("POST", "/se/log", Some(json!({ "type": "browser" })));
        entries
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| {
                (
                    e["level"].as_str().unwrap_or_default().to_owned(),
                    e["message"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    }

    /// A PNG screenshot of the page, written to `path`.
    pub fn screenshot(&self, path: &Path) {
        use base64::Engine as _;
        let data = self.session_request("GET", "/screenshot", None);
        let png = base64::engine::general_purpose::STANDARD
            .decode(data.as_str().unwrap_or_default())
            .expect("a base64 PNG");
        std::fs::write(path, png).expect("write the screenshot");
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let path = format!("/session/{}", self.session);
            let _ = self.request("DELETE", &path, None);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
