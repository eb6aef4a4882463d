//! What becomes of a child's output: each chunk passed through raw (`exec`) or logged line by
//! line (`run`), and the last `OUTPUT_TAIL_BYTES` of both streams kept in a bounded tail for
//! history. The run's own thread feeds it as it drains the pipes (see `shell`).

use std::io::Write as _;
use std::os::fd::{AsFd as _, BorrowedFd};

use crate::history::OUTPUT_TAIL_BYTES;
use crate::log::{Logger, Stream};

/// A log line longer than this is split, so one endless line cannot grow memory.
const MAX_LINE_BYTES: usize = 16 * 1024;
/// The most a passthrough chunk may hold: PIPE_BUF, what a pipe that polls writable takes in
/// one write without blocking.
pub(crate) const PASSTHROUGH_CHUNK: usize = 4096;

/// The last `cap` bytes written into it (memory stays under `2 * cap`).
pub(crate) struct Tail {
    buf: Vec<u8>,
    cap: usize,
}

impl Tail {
    /// An empty tail keeping `cap` bytes.
    pub(crate) fn new(cap: usize) -> Tail {
        Tail {
            buf: Vec::new(),
            cap,
        }
    }

    /// Appends `bytes`, dropping the oldest beyond the cap.
    pub(crate) fn push(&mut self, bytes: &[u8]) {
        if bytes.len() >= self.cap {
            self.buf.clear();
            self.buf.extend_from_slice(&bytes[bytes.len() - self.cap..]);
            return;
        }
        self.buf.extend_from_slice(bytes);
        // Trim only once twice the cap is reached, so trimming costs O(1) amortized per byte.
        if self.buf.len() >= 2 * self.cap {
            let excess = self.buf.len() - self.cap;
            self.buf.drain(..excess);
        }
    }

    /// The kept text (lossy UTF-8), at most `cap` bytes, starting at a character boundary.
    pub(crate) fn text(&self) -> String {
        let start = self.buf.len().saturating_sub(self.cap);
        let text = String::from_utf8_lossy(&self.buf[start..]);
        crate::history::tail(&text, self.cap).to_owned()
    }
}

/// Where a run's output goes besides the tail.
#[derive(Clone, Copy)]
pub(crate) enum Sink<'a> {
    /// Raw to our own stdout or stderr (`exec`).
    Passthrough,
    /// One `Logger::output` line per line (`run`).
    Log { logger: &'a Logger, job: &'a str },
}

/// The output of one attempt: its tail and, per stream, the line not yet ended.
pub(crate) struct Capture<'a> {
    sink: Sink<'a>,
    tail: Tail,
    /// The unfinished line of stdout (0) and stderr (1).
    lines: [Vec<u8>; 2],
}

impl<'a> Capture<'a> {
    /// An empty capture keeping `OUTPUT_TAIL_BYTES`.
    pub(crate) fn new(sink: Sink<'a>) -> Capture<'a> {
        Capture {
            sink,
            tail: Tail::new(OUTPUT_TAIL_BYTES),
            lines: [Vec::new(), Vec::new()],
        }
    }

    /// Whether output goes raw to our own stdout and stderr (`exec`).
    pub(crate) fn is_passthrough(&self) -> bool {
        matches!(self.sink, Sink::Passthrough)
    }

    /// Takes one chunk read from `stream`.
    pub(crate) fn push(&mut self, stream: Stream, bytes: &[u8]) {
        self.tail.push(bytes);
        match self.sink {
            Sink::Passthrough => passthrough(stream, bytes),
            Sink::Log { logger, job } => {
                let line = &mut self.lines[index(stream)];
                for piece in bytes.split_inclusive(|b| *b == b'\n') {
                    line.extend_from_slice(piece);
                    if line.last() == Some(&b'\n') || line.len() >= MAX_LINE_BYTES {
                        log_line(logger, job, stream, line);
                        line.clear();
                    }
                }
            }
        }
    }

    /// `stream` ended (or is abandoned): logs its unfinished line, if any.
    pub(crate) fn end(&mut self, stream: Stream) {
        let line = &mut self.lines[index(stream)];
        if let Sink::Log { logger, job } = self.sink
            && !line.is_empty()
        {
            log_line(logger, job, stream, line);
        }
        line.clear();
    }

    /// Ends both streams and returns the tail's text.
    pub(crate) fn finish(mut self) -> String {
        self.end(Stream::Stdout);
        self.end(Stream::Stderr);
        self.tail.text()
    }
}

fn index(stream: Stream) -> usize {
    match stream {
        Stream::Stdout => 0,
        Stream::Stderr => 1,
    }
}

/// Writes `bytes` straight to our stdout or stderr descriptor (after flushing std's stdout
/// buffer, so nothing written through it earlier comes out later). `shell` reads at most
/// `PASSTHROUGH_CHUNK` bytes once the descriptor polls writable, so one write takes it whole.
fn passthrough(stream: Stream, bytes: &[u8]) {
    // A closed or broken terminal must not stop the draining (the child would block on a
    // full pipe): errors are ignored.
    let _ = match stream {
        Stream::Stdout => {
            let mut out = std::io::stdout().lock();
            let _ = out.flush();
            write_all(out.as_fd(), bytes)
        }
        Stream::Stderr => write_all(std::io::stderr().lock().as_fd(), bytes),
    };
}

fn write_all(fd: BorrowedFd<'_>, mut bytes: &[u8]) -> nix::Result<()> {
    while !bytes.is_empty() {
        match nix::unistd::write(fd, bytes) {
            Ok(0) => break,
            Ok(n) => bytes = &bytes[n..],
            Err(nix::errno::Errno::EINTR) => {}
            Err(err) => return Err(err),
        }
    }
    Ok(())
}

fn log_line(logger: &Logger, job: &str, stream: Stream, line: &[u8]) {
    let text = String::from_utf8_lossy(line);
    let text = text.strip_suffix('\n').unwrap_or(&text);
    let text = text.strip_suffix('\r').unwrap_or(text);
    logger.output(job, stream, text);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::Format;

    #[test]
    fn tail_keeps_only_the_last_bytes() {
        let mut tail = Tail::new(10);
        for i in 0..100u8 {
            tail.push(&[b'a' + i % 26]);
            assert!(tail.buf.len() < 20);
        }
        assert_eq!(tail.text().len(), 10);
        assert!(tail.text().ends_with('v'), "{}", tail.text());
        tail.push(b"0123456789abcdef");
        assert_eq!(tail.text(), "6789abcdef");
        let mut small = Tail::new(10);
        small.push(b"hi");
        assert_eq!(small.text(), "hi");
    }

    #[test]
    fn lines_are_logged_with_the_job_name_per_stream() {
        let (logger, buffer) = Logger::capture(Format::Text);
        let mut capture = Capture::new(Sink::Log {
            logger: &logger,
            job: "j",
        });
        // Chunks of the two streams interleave; each keeps its own unfinished line.
        capture.push(Stream::Stderr, b"one\r\ntw");
        capture.push(Stream::Stdout, b"out ");
        capture.push(Stream::Stderr, b"o\n\nlast without");
        capture.push(Stream::Stdout, b"line\n");
        capture.push(Stream::Stderr, b" newline");
        let tail = capture.finish();
        let logged = buffer.contents();
        let lines: Vec<&str> = logged
            .lines()
            .map(|l| l.split_once(' ').unwrap().1)
            .collect();
        assert_eq!(
            lines,
            [
                "[j] one",
                "[j] two",
                "[j] ",
                "[j] out line",
                "[j] last without newline"
            ]
        );
        assert_eq!(tail, "one\r\ntwout o\n\nlast withoutline\n newline");
    }

    #[test]
    fn endless_lines_are_split_and_tail_bounded() {
        let (logger, buffer) = Logger::capture(Format::Text);
        let mut capture = Capture::new(Sink::Log {
            logger: &logger,
            job: "j",
        });
        for _ in 0..200 {
            capture.push(Stream::Stdout, &[b'x'; 1024]);
        }
        assert!(buffer.contents().lines().count() >= 200 * 1024 / MAX_LINE_BYTES);
        assert_eq!(capture.finish().len(), OUTPUT_TAIL_BYTES);
    }
}
