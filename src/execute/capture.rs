//! Draining a child's stdout and stderr: one reader thread per pipe (so heavy output on one
//! never blocks the other), each chunk passed through raw or logged line by line, and the last
//! `OUTPUT_TAIL_BYTES` of both streams kept in a bounded tail for history.

use std::io::{Read, Write as _};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

use crate::history::OUTPUT_TAIL_BYTES;
use crate::log::{Logger, Stream};

/// A log line longer than this is split, so one endless line cannot grow memory.
const MAX_LINE_BYTES: usize = 16 * 1024;
const CHUNK_BYTES: usize = 16 * 1024;

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

/// A tail shared by the reader threads of one attempt.
pub(crate) type SharedTail = Arc<Mutex<Tail>>;

/// A fresh shared tail of `OUTPUT_TAIL_BYTES`.
pub(crate) fn shared_tail() -> SharedTail {
    Arc::new(Mutex::new(Tail::new(OUTPUT_TAIL_BYTES)))
}

/// Where a pipe's output goes besides the tail.
#[derive(Clone)]
pub(crate) enum Sink {
    /// Raw to our own stdout or stderr (`exec`).
    Passthrough(Stream),
    /// One `Logger::output` line per line (`run`).
    Log {
        logger: Arc<Logger>,
        job: String,
        stream: Stream,
    },
}

/// Starts a thread that reads `pipe` to its end into `sink` and `tail`.
pub(crate) fn spawn_reader(
    mut pipe: impl Read + Send + 'static,
    sink: Sink,
    tail: SharedTail,
) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("jobtab-output".to_owned())
        .spawn(move || {
            let mut chunk = vec![0u8; CHUNK_BYTES];
            let mut line = Vec::new();
            loop {
                let n = match pipe.read(&mut chunk) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(_) => break,
                };
                let bytes = &chunk[..n];
                tail.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(bytes);
                match &sink {
                    Sink::Passthrough(stream) => passthrough(*stream, bytes),
                    Sink::Log {
                        logger,
                        job,
                        stream,
                    } => {
                        for piece in bytes.split_inclusive(|b| *b == b'\n') {
                            line.extend_from_slice(piece);
                            if line.last() == Some(&b'\n') || line.len() >= MAX_LINE_BYTES {
                                log_line(logger, job, *stream, &line);
                                line.clear();
                            }
                        }
                    }
                }
            }
            if let Sink::Log {
                logger,
                job,
                stream,
            } = &sink
                && !line.is_empty()
            {
                log_line(logger, job, *stream, &line);
            }
        })
}

fn passthrough(stream: Stream, bytes: &[u8]) {
    // A closed terminal must not stop the draining (the child would block on a full pipe).
    let _ = match stream {
        Stream::Stdout => {
            let mut out = std::io::stdout().lock();
            out.write_all(bytes).and_then(|()| out.flush())
        }
        Stream::Stderr => std::io::stderr().lock().write_all(bytes),
    };
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
    use crate::cli::LogFormat;

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
    fn lines_are_logged_with_the_job_name() {
        let (logger, buffer) = Logger::capture(LogFormat::Text);
        let tail = shared_tail();
        let input: &[u8] = b"one\r\ntwo\n\nlast without newline";
        let handle = spawn_reader(
            input,
            Sink::Log {
                logger: Arc::new(logger),
                job: "j".to_owned(),
                stream: Stream::Stderr,
            },
            Arc::clone(&tail),
        )
        .unwrap();
        handle.join().unwrap();
        let logged = buffer.contents();
        let lines: Vec<&str> = logged
            .lines()
            .map(|l| l.split_once(' ').unwrap().1)
            .collect();
        assert_eq!(
            lines,
            ["[j] one", "[j] two", "[j] ", "[j] last without newline"]
        );
        assert_eq!(tail.lock().unwrap().text(), String::from_utf8_lossy(input));
    }

    #[test]
    fn endless_lines_are_split_and_tail_bounded() {
        let (logger, buffer) = Logger::capture(LogFormat::Text);
        let tail = shared_tail();
        let input = vec![b'x'; 200 * 1024];
        spawn_reader(
            std::io::Cursor::new(input),
            Sink::Log {
                logger: Arc::new(logger),
                job: "j".to_owned(),
                stream: Stream::Stdout,
            },
            Arc::clone(&tail),
        )
        .unwrap()
        .join()
        .unwrap();
        assert!(buffer.contents().lines().count() >= 200 * 1024 / MAX_LINE_BYTES);
        assert_eq!(tail.lock().unwrap().text().len(), OUTPUT_TAIL_BYTES);
    }
}
