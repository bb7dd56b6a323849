//! Writing results to stdout, the one way every command does it.
//!
//! A command's output is written through [`write_stdout`] (or [`print_json`]): buffered, flushed before the
//! command returns (std would drop a failed final flush silently), and any failure comes back as an
//! [`OutputError`], never as a panic (`print!` panics on a closed pipe). `main` then ends as the go command does:
//!
//! | stdout | gofed |
//! |---|---|
//! | closed pipe (`gofed packages . \| head -1`) | no message, exit status 141 (128 + SIGPIPE, what the shell reports for a go program or `cat` killed by SIGPIPE) |
//! | any other write error (`>/dev/full`) | `gofed: error: writing output: No space left on device`, exit status 1 |
//!
//! A typed error, not "some `BrokenPipe` in the chain": a broken connection to a remote service is a real error,
//! only stdout's closed pipe is the reader saying it has read enough.

use std::fmt;
use std::io::{self, Write};

/// The exit status after stdout's reader went away: 128 + SIGPIPE, as a shell reports a go program (or any Unix
/// filter) that a closed pipe ended. Rust ignores SIGPIPE, so gofed exits with the status instead of the signal.
pub const CLOSED_PIPE_EXIT: u8 = 141;

/// The exit status when the output could not be written (a full disk).
pub const WRITE_FAILED_EXIT: u8 = 1;

/// Writing the command's output to stdout failed.
#[derive(Debug)]
pub struct OutputError(io::Error);

impl OutputError {
    /// Whether stdout's reader closed the pipe (not an error worth a message).
    pub fn is_closed_pipe(&self) -> bool {
        self.0.kind() == io::ErrorKind::BrokenPipe
    }
}

impl fmt::Display for OutputError {
    /// `writing output: No space left on device`: the OS's words, without Rust's ` (os error 28)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "writing output: {}",
            strip_os_error_codes(&self.0.to_string())
        )
    }
}

impl std::error::Error for OutputError {}

/// Runs `write` on a buffered stdout and flushes it; any failure is an [`OutputError`].
pub fn write_stdout(
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), OutputError> {
    let mut out = stdout();
    write(&mut out.0).map_err(OutputError)?;
    out.flush()
}

/// A buffered stdout for output written piece by piece between other fallible steps (a stream of packages):
/// every write and the final [`Stdout::flush`] fail as [`OutputError`]s.
pub struct Stdout(io::BufWriter<io::StdoutLock<'static>>);

/// Stdout, buffered (see [`Stdout`]).
pub fn stdout() -> Stdout {
    Stdout(io::BufWriter::with_capacity(64 * 1024, io::stdout().lock()))
}

impl Stdout {
    /// Writes `bytes` (buffered).
    pub fn write_all(&mut self, bytes: &[u8]) -> Result<(), OutputError> {
        self.0.write_all(bytes).map_err(OutputError)
    }

    /// Writes out what is buffered: call it before returning, success or not.
    pub fn flush(&mut self) -> Result<(), OutputError> {
        self.0.flush().map_err(OutputError)
    }
}

/// Writes `bytes` to stdout (see [`write_stdout`]).
pub fn print_bytes(bytes: &[u8]) -> Result<(), OutputError> {
    write_stdout(|out| out.write_all(bytes))
}

/// Prints a value as pretty JSON followed by a newline (see [`write_stdout`]).
pub fn print_json<T: serde::Serialize>(value: &T) -> Result<(), OutputError> {
    write_stdout(|out| {
        serde_json::to_writer_pretty(&mut *out, value)?;
        out.write_all(b"\n")
    })
}

/// Prints `value` as [`print_json`] does with `--format json`, else the text `text` writes.
pub fn print_as<T: serde::Serialize>(
    format: gofed_services::Format,
    value: &T,
    text: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), OutputError> {
    match format {
        gofed_services::Format::Json => print_json(value),
        gofed_services::Format::Text => write_stdout(text),
    }
}

/// The text of the file at `path`, or of stdin when `path` is `-`; `what` names it in errors.
pub fn read_input(path: &std::path::Path, what: &str) -> anyhow::Result<String> {
    use anyhow::Context as _;
    if path == std::path::Path::new("-") {
        return io::read_to_string(io::stdin())
            .with_context(|| format!("reading {what} from stdin"));
    }
    std::fs::read_to_string(path).with_context(|| format!("{what} {}", path.display()))
}

/// The exit status for an error that ended a command, writing its message to stderr (nothing for a closed pipe).
/// Errors other than [`OutputError`] exit with `usage_status` (2: the go command's status for a failed command).
pub fn report_error(err: &anyhow::Error, usage_status: u8) -> u8 {
    let output = err.chain().find_map(|e| e.downcast_ref::<OutputError>());
    let status = match output {
        Some(out) if out.is_closed_pipe() => return CLOSED_PIPE_EXIT,
        Some(_) => WRITE_FAILED_EXIT,
        None => usage_status,
    };
    // stderr may be full or closed too: then there is nobody to tell, and no reason to panic.
    let _ = writeln!(io::stderr().lock(), "gofed: error: {}", message(err));
    status
}

/// The error and its causes, `: `-separated as anyhow's `{:#}`, but each said once (an error whose message
/// already ends with its source's, as `cannot read F: No such file...`, does not repeat it) and without Rust's
/// ` (os error N)`, as the go command words it.
fn message(err: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in err.chain() {
        let part = cause.to_string();
        if text.ends_with(part.as_str()) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&part);
    }
    strip_os_error_codes(text.trim_end())
}

/// `No such file or directory (os error 2)` → `No such file or directory`.
fn strip_os_error_codes(text: &str) -> String {
    const MARK: &str = " (os error ";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(MARK) {
        let after = &rest[at + MARK.len()..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        out.push_str(&rest[..at]);
        if digits > 0 && after[digits..].starts_with(')') {
            rest = &after[digits + 1..];
        } else {
            out.push_str(MARK);
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// Whether to colour what goes to `stream`: only a terminal, and never when `NO_COLOR` is set to a non-empty
/// value (<https://no-color.org>).
pub fn colour_on(stream: &impl std::io::IsTerminal) -> bool {
    let no_colour = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    !no_colour && stream.is_terminal()
}

/// The exit status after clap refused the arguments or was asked for help, having printed what clap rendered:
/// help and version on stdout (through [`write_stdout`], so a closed pipe or a full disk ends as for any
/// command), usage errors on stderr in gofed's one error style, `gofed: error: ...`, with status 2.
pub fn clap_exit(err: &clap::Error) -> u8 {
    use clap::error::ErrorKind;
    let rendered = err.render();
    if matches!(
        err.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
    ) {
        let text = if colour_on(&io::stdout()) {
            rendered.ansi().to_string()
        } else {
            rendered.to_string()
        };
        return match print_bytes(text.as_bytes()) {
            Ok(()) => 0,
            Err(err) => report_error(&err.into(), WRITE_FAILED_EXIT),
        };
    }
    // Plain text: clap's `error: ` becomes gofed's prefix, so a script greps one style.
    let text = rendered.to_string();
    let text = match text.strip_prefix("error: ") {
        Some(rest) => format!("gofed: error: {rest}"),
        None => text,
    };
    let _ = io::stderr().lock().write_all(text.as_bytes());
    u8::try_from(err.exit_code()).unwrap_or(2)
}
