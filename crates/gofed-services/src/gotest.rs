//! The `gotest` service: `gotest_run`, `go test -json` on a SOURCE with the Go toolchain of the service's host,
//! in a private temporary directory (a copy of the tree, its own GOPATH and HOME; the host's build cache), under
//! a timeout; the result per package and per test.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use gofed_go::load::FileTree;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::request::Source;
use crate::ServiceContext;
use gofed_service::ServiceError;

/// Input of `gotest_run`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct GotestRequest {
    /// The tree.
    pub source: Source,
    /// Package patterns (default `./...`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub packages: Vec<String>,
    /// `-run REGEXP`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,
    /// `-short`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub short: bool,
    /// Build tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Import path of a tree without go.mod (it is then tested in GOPATH mode at that path).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub import_path: Option<String>,
    /// Seconds the whole run may take (default 600); past it everything is killed and what ran is reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u64>,
}

/// Output of `gotest_run`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GotestResult {
    /// `go version` of the host's toolchain.
    pub go_version: String,
    /// Per package, sorted by import path.
    pub packages: Vec<PackageResult>,
    /// Tests passed, all packages together.
    pub passed: u64,
    /// Tests failed.
    pub failed: u64,
    /// Tests skipped.
    pub skipped: u64,
    /// The run was killed at its timeout (tests still running are `timeout`).
    pub timed_out: bool,
    /// go test's exit status (-1 when killed).
    pub exit_code: i32,
    /// go test's stderr, when it printed anything (build errors of older Go versions, setup problems).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub stderr: String,
}

/// One package's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PackageResult {
    /// Its import path.
    pub package: String,
    /// `pass`, `fail`, `skip` (no test files), `timeout`.
    pub status: String,
    /// Seconds.
    pub elapsed: f64,
    /// Its tests (subtests as `TestX/sub`), in the order they ran.
    pub tests: Vec<TestResult>,
    /// The package's own output when it failed (build errors, a panic outside tests).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub output: String,
}

/// One test's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TestResult {
    /// `TestX` or `TestX/sub`.
    pub name: String,
    /// `pass`, `fail`, `skip`, `timeout`.
    pub status: String,
    /// Seconds.
    pub elapsed: f64,
    /// What the test printed, for failed and skipped tests.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub output: String,
}

/// Output kept per test or package.
const MAX_TEST_OUTPUT: usize = 64 << 10;

/// Folds `go test -json` events into results.
pub fn fold_events(json_lines: &str) -> Vec<PackageResult> {
    #[derive(Deserialize)]
    struct Event {
        #[serde(rename = "Action")]
        action: String,
        #[serde(rename = "Package", default)]
        package: String,
        #[serde(rename = "Test", default)]
        test: Option<String>,
        #[serde(rename = "Elapsed", default)]
        elapsed: Option<f64>,
        #[serde(rename = "Output", default)]
        output: Option<String>,
    }
    let mut packages: BTreeMap<String, PackageResult> = BTreeMap::new();
    let mut outputs: BTreeMap<(String, String), String> = BTreeMap::new();
    for line in json_lines.lines() {
        let Ok(event) = serde_json::from_str::<Event>(line) else {
            continue;
        };
        if event.package.is_empty() {
            continue;
        }
        let package = packages
            .entry(event.package.clone())
            .or_insert_with(|| PackageResult {
                package: event.package.clone(),
                status: "timeout".to_string(),
                elapsed: 0.0,
                tests: Vec::new(),
                output: String::new(),
            });
        let key = (
            event.package.clone(),
            event.test.clone().unwrap_or_default(),
        );
        match event.action.as_str() {
            "output" | "build-output" => {
                let text = outputs.entry(key).or_default();
                if text.len() < MAX_TEST_OUTPUT {
                    text.push_str(event.output.as_deref().unwrap_or(""));
                }
            }
            "run" => {
                if let Some(test) = &event.test {
                    package.tests.push(TestResult {
                        name: test.clone(),
                        status: "timeout".to_string(),
                        elapsed: 0.0,
                        output: String::new(),
                    });
                }
            }
            "pass" | "fail" | "skip" => match &event.test {
                Some(test) => {
                    if let Some(result) = package.tests.iter_mut().rev().find(|t| &t.name == test) {
                        result.status.clone_from(&event.action);
                        result.elapsed = event.elapsed.unwrap_or(0.0);
                        if event.action != "pass" {
                            result.output = outputs.remove(&key).unwrap_or_default();
                        }
                    }
                }
                None => {
                    package.status.clone_from(&event.action);
                    package.elapsed = event.elapsed.unwrap_or(0.0);
                    if event.action == "fail" {
                        package.output = outputs.remove(&key).unwrap_or_default();
                    }
                }
            },
            "build-fail" => {
                package.status = "fail".to_string();
            }
            _ => {}
        }
    }
    // Build output is reported under the package's ImportPath with ` [pkg.test]` suffixes in newer Go.
    packages
        .into_values()
        .filter(|p| !p.package.contains(' '))
        .collect()
}

/// Writes the tree's files below `root` into `to`.
fn copy_tree(
    tree: &dyn FileTree,
    root: &Path,
    to: &Path,
    cancel: &gofed_service::Cancel,
) -> std::io::Result<()> {
    let mut stack = vec![(root.to_path_buf(), to.to_path_buf())];
    while let Some((from, into)) = stack.pop() {
        if cancel.is_cancelled() {
            return Err(std::io::Error::other("cancelled"));
        }
        std::fs::create_dir_all(&into)?;
        for entry in tree.read_dir(&from)? {
            let (source, target) = (from.join(&entry.name), into.join(&entry.name));
            if entry.is_dir {
                stack.push((source, target));
            } else {
                std::fs::write(target, tree.read(&source)?)?;
            }
        }
    }
    Ok(())
}

/// The `go` command of the host: `$GOROOT/bin/go`, else the first on `PATH`.
fn go_command() -> Option<PathBuf> {
    std::env::var_os("GOROOT")
        .map(|root| Path::new(&root).join("bin/go"))
        .filter(|p| p.is_file())
        .or_else(|| crate::process::which("go"))
}

/// Go's build cache: the host's (it is content-addressed, so runs share it safely and only the first one compiles
/// the standard library), else one in the work directory.
fn build_cache(work: &Path) -> PathBuf {
    if let Some(cache) = std::env::var_os("GOCACHE").filter(|c| !c.is_empty()) {
        return PathBuf::from(cache);
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|c| !c.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|h| !h.is_empty())
                .map(|h| Path::new(&h).join(".cache"))
        });
    match base {
        Some(base) if std::fs::create_dir_all(base.join("go-build")).is_ok() => {
            base.join("go-build")
        }
        _ => work.join("cache"),
    }
}

/// `gotest_run`.
pub async fn gotest_run(
    context: ServiceContext,
    request: GotestRequest,
) -> Result<GotestResult, ServiceError> {
    let go = go_command().ok_or_else(|| {
        ServiceError::unprocessable(
            "no Go toolchain on this service's host (no go on PATH, no $GOROOT/bin/go)",
        )
    })?;
    let tree = crate::tree::open(&context, &request.source).await?;
    let timeout = Duration::from_secs(request.timeout_seconds.unwrap_or(600).clamp(1, 24 * 3600));
    gofed_service::run_blocking(move |cancel| -> Result<GotestResult, ServiceError> {
        let work = tempfile::tempdir()
            .map_err(|err| ServiceError::internal("a temporary directory", err))?;
        let gopath = work.path().join("gopath");
        let module = tree.tree().is_file(&tree.root().join("go.mod"));
        let dir = match (&request.import_path, module) {
            (Some(path), false) => gopath.join("src").join(path),
            _ => work.path().join("src"),
        };
        copy_tree(tree.tree(), tree.root(), &dir, &cancel)
            .map_err(|err| ServiceError::unprocessable(format!("copying the tree: {err}")))?;
        let version = std::process::Command::new(&go)
            .arg("version")
            .env("HOME", work.path())
            .output();
        let go_version = version
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default();
        let mut command = std::process::Command::new(&go);
        command.arg("test").arg("-json");
        if let Some(run) = &request.run {
            command.arg("-run").arg(run);
        }
        if request.short {
            command.arg("-short");
        }
        if !request.tags.is_empty() {
            command.arg("-tags").arg(request.tags.join(","));
        }
        if request.packages.is_empty() {
            command.arg("./...");
        } else {
            command.args(&request.packages);
        }
        command
            .current_dir(&dir)
            .env("HOME", work.path())
            .env("GOPATH", &gopath)
            .env("GOCACHE", build_cache(work.path()))
            .env("GOMODCACHE", gopath.join("pkg/mod"))
            // Modules come from the host's GOPROXY when it sets one, else only from the tree (vendor/).
            .env(
                "GOPROXY",
                std::env::var("GOPROXY").unwrap_or_else(|_| "off".to_string()),
            )
            .env(
                "GOFLAGS",
                if dir.join("vendor/modules.txt").is_file() {
                    "-mod=vendor"
                } else {
                    "-mod=mod"
                },
            )
            .env("GOTOOLCHAIN", "local")
            .env("GOTELEMETRY", "off")
            .env("GO111MODULE", if module { "on" } else { "off" });
        let finished = crate::process::run(command, timeout, &cancel).map_err(|err| {
            if err.not_found() {
                ServiceError::unprocessable(format!("no Go toolchain: {err}"))
            } else {
                ServiceError::unprocessable(err.to_string())
            }
        })?;
        let packages = fold_events(&String::from_utf8_lossy(&finished.stdout));
        let count = |status: &str| {
            packages
                .iter()
                .flat_map(|p| &p.tests)
                .filter(|t| t.status == status)
                .count() as u64
        };
        let mut stderr = String::from_utf8_lossy(&finished.stderr).into_owned();
        stderr.truncate(MAX_TEST_OUTPUT);
        Ok(GotestResult {
            go_version,
            passed: count("pass"),
            failed: count("fail"),
            skipped: count("skip"),
            timed_out: finished.timed_out,
            exit_code: finished.status.and_then(|s| s.code()).unwrap_or(-1),
            stderr,
            packages,
        })
    })
    .await
    .map_err(|err| ServiceError::internal("running go test", err))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_fold_into_packages_and_tests() {
        let events = r#"{"Action":"start","Package":"x"}
{"Action":"run","Package":"x","Test":"TestA"}
{"Action":"output","Package":"x","Test":"TestA","Output":"=== RUN   TestA\n"}
{"Action":"pass","Package":"x","Test":"TestA","Elapsed":0.01}
{"Action":"run","Package":"x","Test":"TestB"}
{"Action":"output","Package":"x","Test":"TestB","Output":"    x_test.go:9: boom\n"}
{"Action":"fail","Package":"x","Test":"TestB","Elapsed":0.02}
{"Action":"run","Package":"x","Test":"TestC"}
{"Action":"fail","Package":"x","Elapsed":0.5}
{"Action":"skip","Package":"y","Elapsed":0}
not json"#;
        let packages = fold_events(events);
        assert_eq!(packages.len(), 2);
        assert_eq!(packages[0].status, "fail");
        let statuses: Vec<&str> = packages[0]
            .tests
            .iter()
            .map(|t| t.status.as_str())
            .collect();
        assert_eq!(statuses, ["pass", "fail", "timeout"]);
        assert_eq!(packages[0].tests[1].output, "    x_test.go:9: boom\n");
        assert_eq!(packages[1].status, "skip");
    }
}
