//! Running a program for an action: in its own process group (so that a timeout or a cancelled call kills what it
//! started too, e.g. the test binaries `go test` runs), with its output captured up to a bound.

use std::io::Read;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use gofed_service::Cancel;

/// Bytes of stdout or stderr kept; the rest is read and dropped.
pub const MAX_OUTPUT: usize = 64 << 20;

/// How a run ended.
#[derive(Debug)]
pub struct Finished {
    /// `None` when it was killed (timeout or cancellation).
    pub status: Option<ExitStatus>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub timed_out: bool,
}

/// Why a program could not be run.
#[derive(Debug, thiserror::Error)]
#[error("{program}: {source}")]
pub struct RunError {
    program: String,
    #[source]
    source: std::io::Error,
}

impl RunError {
    /// Whether the program is not installed.
    pub fn not_found(&self) -> bool {
        self.source.kind() == std::io::ErrorKind::NotFound
    }
}

fn capture(mut reader: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut kept = Vec::new();
        let mut buffer = [0u8; 64 * 1024];
        while let Ok(n) = reader.read(&mut buffer) {
            if n == 0 {
                break;
            }
            let room = MAX_OUTPUT.saturating_sub(kept.len());
            kept.extend_from_slice(&buffer[..n.min(room)]);
        }
        kept
    })
}

/// Runs `command` until it exits, `timeout` passes or `cancel` is set; then its process group is killed.
pub fn run(mut command: Command, timeout: Duration, cancel: &Cancel) -> Result<Finished, RunError> {
    use std::os::unix::process::CommandExt as _;
    let program = command.get_program().to_string_lossy().into_owned();
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let started = Instant::now();
    let mut child = command.spawn().map_err(|source| RunError {
        program: program.clone(),
        source,
    })?;
    let stdout = child.stdout.take().map(capture);
    let stderr = child.stderr.take().map(capture);
    let group = nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap_or(i32::MAX));
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) => {}
            Err(source) => return Err(RunError { program, source }),
        }
        let expired = started.elapsed() >= timeout;
        if expired || cancel.is_cancelled() {
            timed_out = expired;
            let _ = nix::sys::signal::killpg(group, nix::sys::signal::Signal::SIGKILL);
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    // The group may hold children that outlived the leader (and keep the pipes open): kill it in any case.
    let _ = nix::sys::signal::killpg(group, nix::sys::signal::Signal::SIGKILL);
    let join = |handle: Option<std::thread::JoinHandle<Vec<u8>>>| {
        handle.and_then(|h| h.join().ok()).unwrap_or_default()
    };
    Ok(Finished {
        status,
        stdout: join(stdout),
        stderr: join(stderr),
        timed_out,
    })
}

/// The first program named `name` on `PATH`.
pub fn which(name: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}
