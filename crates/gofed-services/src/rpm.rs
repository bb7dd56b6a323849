//! The `rpm` service: `rpm_lint`, rpmlint on a spec file, an RPM or a source RPM, with its findings as data
//! (severity, check, location, message). rpmlint is the host's; without it the action says so.

use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::spec::SpecInput;
use crate::ServiceContext;
use gofed_service::ServiceError;

/// Input of `rpm_lint`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct RpmLintRequest {
    /// The spec file, RPM or source RPM (text for a spec only).
    pub file: SpecInput,
    /// Seconds rpmlint may take (default 120).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u64>,
}

/// Output of `rpm_lint`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RpmLintResult {
    /// What rpmlint reported, in its order.
    pub findings: Vec<RpmLintFinding>,
    /// Its count of errors (from its summary line).
    pub errors: u64,
    /// Its count of warnings.
    pub warnings: u64,
    /// rpmlint's exit status (64 when it found errors, 66 for badness over the threshold).
    pub exit_code: i32,
    /// `rpmlint --version`.
    pub rpmlint_version: String,
}

/// One rpmlint line: `LOCATION: E: check details`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RpmLintFinding {
    /// `error`, `warning` or `info`.
    pub severity: String,
    /// The check (`no-buildroot-tag`, `specfile-error`, ...).
    pub check: String,
    /// The package or file it is about, with a line number for a spec when rpmlint gives one.
    pub location: String,
    /// The details.
    pub message: String,
}

/// Parses rpmlint's output lines.
pub fn parse_rpmlint(output: &str) -> (Vec<RpmLintFinding>, u64, u64) {
    let mut findings = Vec::new();
    let (mut errors, mut warnings) = (0, 0);
    for line in output.lines() {
        if let Some((location, rest)) = line.split_once(": ") {
            let severity = match rest.get(..3) {
                Some("E: ") => "error",
                Some("W: ") => "warning",
                Some("I: ") => "info",
                _ => continue,
            };
            let rest = &rest[3..];
            let (check, message) = rest.split_once(' ').unwrap_or((rest, ""));
            findings.push(RpmLintFinding {
                severity: severity.to_string(),
                check: check.to_string(),
                location: location.to_string(),
                message: message.to_string(),
            });
        }
        // " 0 packages and 1 specfiles checked; 3 errors, 1 warnings, 3 badness; has taken 0.0 s"
        if let Some((_, counts)) = line.split_once("checked; ") {
            let number = |word: &str| {
                counts.split([',', ';']).find_map(|part| {
                    let mut words = part.split_whitespace();
                    let n = words.next()?.parse::<u64>().ok()?;
                    words.next().filter(|w| w.starts_with(word)).map(|_| n)
                })
            };
            errors = number("error").unwrap_or(0);
            warnings = number("warning").unwrap_or(0);
        }
    }
    (findings, errors, warnings)
}

/// `rpm_lint`.
pub async fn rpm_lint(
    context: ServiceContext,
    request: RpmLintRequest,
) -> Result<RpmLintResult, ServiceError> {
    let (name, bytes) = crate::spec::input_bytes(&context, &request.file).await?;
    let rpmlint = crate::process::which("rpmlint").ok_or_else(|| {
        ServiceError::unprocessable(
            "rpmlint is not installed on this service's host (dnf install rpmlint, apt-get install rpmlint)",
        )
    })?;
    let timeout = Duration::from_secs(request.timeout_seconds.unwrap_or(120).clamp(1, 3600));
    gofed_service::run_blocking(move |cancel| -> Result<RpmLintResult, ServiceError> {
        let work = tempfile::tempdir()
            .map_err(|err| ServiceError::internal("a temporary directory", err))?;
        // The file keeps its base name (rpmlint reports it), in a directory of its own; no user configuration.
        let base = std::path::Path::new(&name)
            .file_name()
            .map_or_else(|| "input".into(), |n| n.to_os_string());
        let file = work.path().join(base);
        std::fs::write(&file, &bytes)
            .map_err(|err| ServiceError::internal("writing the input", err))?;
        let version = std::process::Command::new(&rpmlint)
            .arg("--version")
            .env("HOME", work.path())
            .output();
        let version = version
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default();
        let mut command = std::process::Command::new(&rpmlint);
        command
            .arg(&file)
            .current_dir(work.path())
            .env("HOME", work.path());
        let finished = crate::process::run(command, timeout, &cancel)
            .map_err(|err| ServiceError::unprocessable(err.to_string()))?;
        if finished.timed_out {
            return Err(ServiceError::unprocessable(format!(
                "rpmlint took more than {} s",
                timeout.as_secs()
            )));
        }
        // rpmlint names the file by its path in the temporary directory: the user knows it by its name.
        let stdout = String::from_utf8_lossy(&finished.stdout)
            .replace(&format!("{}/", work.path().display()), "");
        let (findings, errors, warnings) = parse_rpmlint(&stdout);
        Ok(RpmLintResult {
            findings,
            errors,
            warnings,
            exit_code: finished.status.and_then(|s| s.code()).unwrap_or(-1),
            rpmlint_version: version,
        })
    })
    .await
    .map_err(|err| ServiceError::internal("running rpmlint", err))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rpmlint_lines_become_findings() {
        let out = "====== rpmlint session starts ======\nrpmlint: 2.4.0\n\
                   foo.spec: E: specfile-error error: line 8: Unknown tag: %gometa -L -f\n\
                   foo.spec:3: W: mixed-use-of-spaces-and-tabs (spaces: line 3, tab: line 4)\n\
                   foo.noarch: I: checking\n \
                   0 packages and 1 specfiles checked; 1 errors, 1 warnings, 1 badness; has taken 0.0 s\n";
        let (findings, errors, warnings) = parse_rpmlint(out);
        assert_eq!((errors, warnings), (1, 1));
        assert_eq!(findings.len(), 3);
        assert_eq!(findings[0].check, "specfile-error");
        assert_eq!(
            findings[0].message,
            "error: line 8: Unknown tag: %gometa -L -f"
        );
        assert_eq!(findings[1].location, "foo.spec:3");
        assert_eq!(findings[2].severity, "info");
    }
}
