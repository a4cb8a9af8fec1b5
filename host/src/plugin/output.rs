//! Guest stdout/stderr: captured into a bounded tail (the guest never fails to write),
//! forwarded to `tracing` after each call, and searched for a panic message.

use bytes::Bytes;
use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

/// How much of each stream is kept.
pub const TAIL_BYTES: usize = 16 * 1024;

/// A capture of one guest output stream that keeps only the last [`TAIL_BYTES`].
#[derive(Clone, Default)]
pub struct TailPipe {
    buffer: Arc<Mutex<VecDeque<u8>>>,
}

impl TailPipe {
    fn push(&self, bytes: &[u8]) {
        let Ok(mut buffer) = self.buffer.lock() else {
            return;
        };
        let bytes = if bytes.len() > TAIL_BYTES {
            &bytes[bytes.len() - TAIL_BYTES..]
        } else {
            bytes
        };
        let overflow = (buffer.len() + bytes.len()).saturating_sub(TAIL_BYTES);
        buffer.drain(..overflow);
        buffer.extend(bytes);
    }

    /// Takes what was captured so far (lossy UTF-8), leaving the pipe empty.
    pub fn take(&self) -> String {
        let Ok(mut buffer) = self.buffer.lock() else {
            return String::new();
        };
        let bytes: Vec<u8> = buffer.drain(..).collect();
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl IsTerminal for TailPipe {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for TailPipe {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }
    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

impl OutputStream for TailPipe {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.push(&bytes);
        Ok(())
    }
    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }
    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(TAIL_BYTES)
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for TailPipe {
    async fn ready(&mut self) {}
}

impl tokio::io::AsyncWrite for TailPipe {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.push(buf);
        Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// A Rust guest's panic, as printed to stderr by its std.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestPanic {
    pub message: String,
    pub location: String,
}

/// Finds the last panic in a guest's stderr:
/// `thread '<unnamed>' panicked at src/lib.rs:10:5:\nboom\nnote: ...`.
pub fn find_panic(stderr: &str) -> Option<GuestPanic> {
    let start = stderr.rfind("panicked at ")?;
    let rest = &stderr[start + "panicked at ".len()..];
    let (first_line, after) = rest.split_once('\n').unwrap_or((rest, ""));
    let (location, inline_message) = match first_line.trim_end().strip_suffix(':') {
        // Rust >= 1.73: location line ends with `:`, message on following lines.
        Some(location) => (location.to_string(), None),
        // Older format: `panicked at 'message', src/lib.rs:10:5`.
        None => match first_line.rsplit_once(", ") {
            Some((msg, loc)) => (
                loc.trim().to_string(),
                Some(msg.trim_matches('\'').to_string()),
            ),
            None => (first_line.trim().to_string(), None),
        },
    };
    let message = inline_message.unwrap_or_else(|| {
        after
            .lines()
            .take_while(|l| !l.starts_with("note: "))
            .collect::<Vec<_>>()
            .join("\n")
            .trim()
            .to_string()
    });
    Some(GuestPanic { message, location })
}

/// An uncaught exception a guest printed as a Python traceback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestException {
    /// `ValueError: what went wrong`.
    pub exception: String,
    /// The last lines of the traceback (frames), innermost last.
    pub frames: Vec<String>,
}

/// The last Python traceback in `stderr`: its exception line and its last three frame
/// lines.
pub fn find_python_exception(stderr: &str) -> Option<GuestException> {
    let start = stderr.rfind("Traceback (most recent call last):")?;
    let mut frames = Vec::new();
    for line in stderr[start..].lines().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        if line.starts_with([' ', '\t']) {
            frames.push(line.trim().to_string());
            continue;
        }
        let keep = frames.len().saturating_sub(3);
        return Some(GuestException {
            exception: line.trim().to_string(),
            frames: frames.split_off(keep),
        });
    }
    None
}

/// Forwards captured output to `tracing`, one event per line, tagged with the plugin.
pub fn forward(plugin: &str, stream: &str, text: &str) {
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        tracing::info!(target: "pmsync::plugin::output", plugin = plugin, stream = stream, "{line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What componentize-py prints for an uncaught exception (recorded from a real
    /// component), then its runtime's panic.
    const PYTHON_STDERR: &str = "Traceback (most recent call last):
  File \"/0/app.py\", line 15, in transform_batch
ValueError: cannot shout at boom: K-1

thread '<unnamed>' (1) panicked at runtime/src/lib.rs:1280:25:
Python function threw an unexpected exception
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace
";

    #[test]
    fn a_python_traceback_gives_the_exception_and_its_last_frames() {
        let raised = find_python_exception(PYTHON_STDERR).expect("a traceback");
        assert_eq!(raised.exception, "ValueError: cannot shout at boom: K-1");
        assert_eq!(
            raised.frames,
            ["File \"/0/app.py\", line 15, in transform_batch"]
        );
        assert_eq!(
            find_python_exception("thread 'main' panicked at x.rs:1:1:\nboom\n"),
            None
        );
    }

    #[test]
    fn finds_modern_rust_panic_message_and_location() {
        let stderr = "\nthread '<unnamed>' panicked at src/lib.rs:52:20:\nboom went the plugin\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n";
        let p = find_panic(stderr).unwrap();
        assert_eq!(p.message, "boom went the plugin");
        assert_eq!(p.location, "src/lib.rs:52:20");
    }

    #[test]
    fn no_panic_in_plain_output() {
        assert_eq!(find_panic("hello\nworld\n"), None);
    }

    #[test]
    fn tail_keeps_only_the_last_bytes() {
        let pipe = TailPipe::default();
        pipe.push(&vec![b'a'; TAIL_BYTES]);
        pipe.push(b"end");
        let text = pipe.take();
        assert_eq!(text.len(), TAIL_BYTES);
        assert!(text.ends_with("aend"));
        assert_eq!(pipe.take(), "");
    }
}
