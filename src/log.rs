//! The logger of `run` and `exec`: one whole line per call, written under a lock so lines from
//! different threads never interleave. Text (`<RFC 3339> [job] message`) or JSON lines.
//! Lines may also be queued (`queue`: the server's request lines, written in batches); every
//! write writes what is queued first, so the log stays in the order lines were made.
//!
//! It owns formatting and the sink only; what is worth logging is the callers' business.

use std::borrow::Cow;
use std::io::Write;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::Local;
use serde::Serialize;

/// How lines are written: text (`<RFC 3339> [job] message`) or one JSON object a line.
/// `run --log-format` picks it (`cli::LogFormat` maps to it); `exec` logs text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Text,
    Json,
}

/// Where a job's output line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stream {
    Stdout,
    Stderr,
}

impl Stream {
    fn name(self) -> &'static str {
        match self {
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
        }
    }
}

#[derive(Clone, Copy)]
enum Level {
    Info,
    Warn,
    Error,
}

impl Level {
    fn name(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }
}

/// A thread-safe line logger (stderr by default). `Send + Sync`; share it in an `Arc`.
pub(crate) struct Logger {
    format: Format,
    /// Held while writing; the queue is taken under it, so lines go out in queue order.
    sink: Mutex<Sink>,
    /// Lines queued ([`Logger::queue`]): only appended to under this lock, never written.
    queued: Mutex<Queue>,
}

/// Queued lines, and how many were not kept.
#[derive(Default)]
struct Queue {
    bytes: Vec<u8>,
    /// Lines not kept because the queue was at [`QUEUE_LIMIT`] (a sink that stopped taking
    /// lines); said in the log when it takes them again.
    dropped: u64,
}

/// Where lines go, and the buffer the queue is swapped into to be written.
struct Sink {
    out: Box<dyn Write + Send>,
    spare: Vec<u8>,
}

/// Bytes of lines queued before [`Logger::queue`] writes them itself (when no write is in
/// progress).
const QUEUE_MAX: usize = 1024 * 1024;

/// Bytes of lines queued at most: past it, while the sink takes nothing (a pipe nobody reads),
/// lines are counted rather than kept, so the server's requests never wait for the log.
const QUEUE_LIMIT: usize = 4 * QUEUE_MAX;

/// One JSON log line.
#[derive(Serialize)]
struct JsonLine<'a> {
    time: String,
    level: &'a str,
    job: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stream: Option<&'a str>,
    message: &'a str,
}

impl Logger {
    /// A logger writing to stderr.
    pub(crate) fn new(format: Format) -> Logger {
        Logger::with_sink(format, Box::new(std::io::stderr()))
    }

    /// A logger writing to any sink (tests, files).
    pub(crate) fn with_sink(format: Format, sink: Box<dyn Write + Send>) -> Logger {
        Logger {
            format,
            sink: Mutex::new(Sink {
                out: sink,
                spare: Vec::new(),
            }),
            queued: Mutex::new(Queue::default()),
        }
    }

    /// A logger writing into a shared buffer, for tests: returns the logger and the buffer.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn capture(format: Format) -> (Logger, SharedBuffer) {
        let buffer = SharedBuffer::default();
        (Logger::with_sink(format, Box::new(buffer.clone())), buffer)
    }

    /// An informational line, optionally about one job.
    pub(crate) fn info(&self, job: Option<&str>, message: &str) {
        self.write(Level::Info, job, None, message);
    }

    /// A warning line, optionally about one job.
    pub(crate) fn warn(&self, job: Option<&str>, message: &str) {
        self.write(Level::Warn, job, None, message);
    }

    /// An error line, optionally about one job.
    pub(crate) fn error(&self, job: Option<&str>, message: &str) {
        self.write(Level::Error, job, None, message);
    }

    /// One line a job printed. text: `<RFC3339> [job] line` ; json:
    /// `{"time","level","job","stream","message"}`.
    pub(crate) fn output(&self, job: &str, stream: Stream, line: &str) {
        self.write(Level::Info, Some(job), Some(stream), line);
    }

    fn write(&self, level: Level, job: Option<&str>, stream: Option<Stream>, message: &str) {
        self.write_lines(self.render_line(level, job, stream, message).as_bytes());
    }

    /// An informational line as [`Logger::info`] would write it (newline included), for a
    /// caller that writes lines in batches ([`Logger::write_lines`]).
    pub(crate) fn info_line(&self, job: Option<&str>, message: &str) -> String {
        self.render_line(Level::Info, job, None, message)
    }

    /// A warning line as [`Logger::warn`] would write it (newline included).
    pub(crate) fn warn_line(&self, job: Option<&str>, message: &str) -> String {
        self.render_line(Level::Warn, job, None, message)
    }

    /// Writes whole lines made by [`Logger::info_line`] or [`Logger::warn_line`] (after what
    /// is queued), in one write under the lock.
    pub(crate) fn write_lines(&self, lines: &[u8]) {
        let mut sink = self.sink();
        self.write_queued_to(&mut sink);
        sink.write(lines);
    }

    /// Queues a line made by [`Logger::info_line`] or [`Logger::warn_line`], for
    /// [`Logger::write_queued`] (or the next line written) to write. Never waits for a write:
    /// past [`QUEUE_MAX`] bytes the queue is written here if no write is in progress, and past
    /// [`QUEUE_LIMIT`] the line is only counted (the log says how many when it moves again).
    pub(crate) fn queue(&self, line: &str) {
        let mut queue = lock(&self.queued);
        if queue.bytes.len() >= QUEUE_LIMIT {
            queue.dropped += 1;
            return;
        }
        queue.bytes.extend_from_slice(line.as_bytes());
        let full = queue.bytes.len() > QUEUE_MAX;
        drop(queue);
        if full {
            let sink = match self.sink.try_lock() {
                Ok(sink) => Some(sink),
                Err(std::sync::TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
                Err(std::sync::TryLockError::WouldBlock) => None,
            };
            if let Some(mut sink) = sink {
                self.write_queued_to(&mut sink);
            }
        }
    }

    /// Writes what is queued.
    pub(crate) fn write_queued(&self) {
        let mut sink = self.sink();
        self.write_queued_to(&mut sink);
    }

    /// Takes the queue (appending goes on meanwhile) and writes it, under the sink's lock.
    fn write_queued_to(&self, sink: &mut Sink) {
        let dropped = {
            let mut queue = lock(&self.queued);
            std::mem::swap(&mut queue.bytes, &mut sink.spare);
            std::mem::take(&mut queue.dropped)
        };
        if !sink.spare.is_empty() {
            let batch = std::mem::take(&mut sink.spare);
            sink.write(&batch);
            sink.spare = batch;
            sink.spare.clear();
            // Kept for the next batch, unless a flood made it large.
            sink.spare.shrink_to(64 * 1024);
        }
        if dropped > 0 {
            let line = self.render_line(
                Level::Warn,
                None,
                None,
                &format!(
                    "{dropped} request log lines were not kept: the log was not being read \
                     (a full pipe or disk?)"
                ),
            );
            sink.write(line.as_bytes());
        }
    }

    fn sink(&self) -> MutexGuard<'_, Sink> {
        lock(&self.sink)
    }

    /// One line, newline included.
    fn render_line(
        &self,
        level: Level,
        job: Option<&str>,
        stream: Option<Stream>,
        message: &str,
    ) -> String {
        let mut line = match self.format {
            Format::Text => {
                let size = 40 + job.map_or(0, str::len) + message.len();
                let mut line = String::with_capacity(size);
                crate::timestamp::push_millis(&mut line, &Local::now());
                if let Some(job) = job {
                    line.push_str(" [");
                    line.push_str(job);
                    line.push(']');
                }
                match (level, stream) {
                    (_, Some(_)) | (Level::Info, None) => {}
                    (Level::Warn, None) => line.push_str(" warning:"),
                    (Level::Error, None) => line.push_str(" error:"),
                }
                line.push(' ');
                line.push_str(&terminal_text(message));
                line
            }
            Format::Json => {
                let record = JsonLine {
                    time: crate::timestamp::millis(&Local::now()),
                    level: level.name(),
                    job,
                    stream: stream.map(Stream::name),
                    message,
                };
                escape_c1(serde_json::to_string(&record).unwrap_or_else(|_| String::from("{}")))
            }
        };
        line.push('\n');
        line
    }
}

impl Sink {
    fn write(&mut self, bytes: &[u8]) {
        // Logging must never fail a run: a closed stderr is ignored.
        let _ = self.out.write_all(bytes);
        let _ = self.out.flush();
    }
}

/// A poisoned lock only means another thread panicked mid-write; keep logging.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A message (a job's output line above all) as one line that is safe on a terminal: line
/// breaks become spaces and ESC, BEL, NUL and the other control characters are escaped like
/// `\x1b`, as `list` shows them (`output::one_line`); tabs are harmless and kept.
fn terminal_text(message: &str) -> Cow<'_, str> {
    if !message.chars().any(|c| c.is_control() && c != '\t') {
        return Cow::Borrowed(message);
    }
    let parts: Vec<String> = message.split('\t').map(crate::output::one_line).collect();
    Cow::Owned(parts.join("\t"))
}

/// A JSON line with DEL and the C1 controls (U+0080 to U+009F, which some terminals obey as
/// escape sequences) written as `\u` escapes: JSON escapes only U+0000 to U+001F by itself.
/// Outside strings serde_json writes only ASCII punctuation, so every such character is
/// inside a string, where the escape means the same character.
fn escape_c1(json: String) -> String {
    if !json.chars().any(is_del_or_c1) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if is_del_or_c1(c) {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

fn is_del_or_c1(c: char) -> bool {
    ('\u{7f}'..='\u{9f}').contains(&c)
}

/// An in-memory sink shared between a logger and a test.
#[derive(Clone, Default)]
pub(crate) struct SharedBuffer(Arc<Mutex<Vec<u8>>>);

impl SharedBuffer {
    /// Everything written so far, as text.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn contents(&self) -> String {
        let bytes = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl Write for SharedBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut bytes = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_lines_carry_time_job_and_level() {
        let (logger, buffer) = Logger::capture(Format::Text);
        logger.info(Some("backup"), "started");
        logger.warn(None, "late");
        logger.error(Some("b"), "boom");
        logger.output("backup", Stream::Stderr, "multi\nline");
        let text = buffer.contents();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        assert!(lines[0].ends_with(" [backup] started"), "{}", lines[0]);
        assert!(chrono::DateTime::parse_from_rfc3339(lines[0].split(' ').next().unwrap()).is_ok());
        assert!(lines[1].ends_with(" warning: late"), "{}", lines[1]);
        assert!(lines[2].ends_with(" [b] error: boom"), "{}", lines[2]);
        assert!(lines[3].ends_with(" [backup] multi line"), "{}", lines[3]);
    }

    #[test]
    fn json_lines_have_stable_fields() {
        let (logger, buffer) = Logger::capture(Format::Json);
        logger.output("web", Stream::Stdout, "hello \"x\"");
        logger.warn(None, "w");
        let text = buffer.contents();
        let mut lines = text.lines();
        let first: serde_json::Value = serde_json::from_str(lines.next().unwrap()).unwrap();
        assert_eq!(first["job"], "web");
        assert_eq!(first["stream"], "stdout");
        assert_eq!(first["level"], "info");
        assert_eq!(first["message"], "hello \"x\"");
        assert!(chrono::DateTime::parse_from_rfc3339(first["time"].as_str().unwrap()).is_ok());
        let second: serde_json::Value = serde_json::from_str(lines.next().unwrap()).unwrap();
        assert_eq!(second["level"], "warn");
        assert!(second["job"].is_null());
        assert!(second.get("stream").is_none());
    }

    #[test]
    fn control_bytes_in_output_are_escaped_in_text_and_json() {
        let raw = "\x1b]0;pwned\x07 \x1b[31mred\tcol\0nul\u{9b}2J\x7f";
        let (logger, buffer) = Logger::capture(Format::Text);
        logger.output("job", Stream::Stdout, raw);
        let text = buffer.contents();
        assert!(
            text.ends_with(" [job] \\x1b]0;pwned\\x07 \\x1b[31mred\tcol\\x00nul\\u{9b}2J\\x7f\n"),
            "{text:?}"
        );
        let (logger, buffer) = Logger::capture(Format::Json);
        logger.output("job", Stream::Stdout, raw);
        let text = buffer.contents();
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "{text:?}"
        );
        let line: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(line["message"], raw);
    }

    /// Queued lines are written before any later line, and at once past the queue's bound.
    #[test]
    fn queued_lines_come_before_later_lines_and_are_written_past_the_bound() {
        let (logger, log) = Logger::capture(Format::Text);
        logger.queue("first\n");
        logger.queue("second\n");
        assert_eq!(log.contents(), "");
        logger.write_lines(b"third\n");
        assert_eq!(log.contents(), "first\nsecond\nthird\n");
        logger.write_queued();
        assert_eq!(log.contents(), "first\nsecond\nthird\n");
        let line = "x".repeat(1023) + "\n";
        for _ in 0..QUEUE_MAX / line.len() {
            logger.queue(&line);
        }
        assert_eq!(log.contents().len(), 19, "not yet past the bound");
        logger.queue(&line);
        assert_eq!(log.contents().len(), 19 + QUEUE_MAX + line.len());
    }

    /// A sink that stops taking lines (a pipe nobody reads) never holds up `queue`: past the
    /// limit lines are counted, and the log says how many once it moves again.
    #[test]
    fn a_stuck_sink_never_holds_up_queued_lines() {
        struct Stuck(std::sync::mpsc::Receiver<()>, SharedBuffer);
        impl Write for Stuck {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                let _ = self.0.recv();
                self.1.write(buf)
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let (go, stuck) = std::sync::mpsc::channel();
        let out = SharedBuffer::default();
        let logger = Arc::new(Logger::with_sink(
            Format::Text,
            Box::new(Stuck(stuck, out.clone())),
        ));
        let writer = std::thread::spawn({
            let logger = Arc::clone(&logger);
            move || logger.write_lines(b"held\n")
        });
        // The writer holds the sink (waiting for `go`) once it is taken.
        while logger.sink.try_lock().is_ok() {
            std::thread::yield_now();
        }
        let line = "y".repeat(1023) + "\n";
        let kept = QUEUE_LIMIT / line.len();
        for _ in 0..kept + 100 {
            logger.queue(&line);
        }
        assert_eq!(lock(&logger.queued).dropped, 100);
        drop(go);
        writer.join().unwrap();
        logger.write_queued();
        let text = out.contents();
        assert!(text.starts_with("held\n"));
        assert_eq!(text.matches(&line).count(), kept);
        assert!(text.ends_with("warning: 100 request log lines were not kept: the log was not being read (a full pipe or disk?)\n"), "{}", &text[text.len() - 200..]);
    }

    #[test]
    fn concurrent_lines_never_interleave() {
        let (logger, buffer) = Logger::capture(Format::Text);
        let logger = Arc::new(logger);
        let threads: Vec<_> = (0..8)
            .map(|i| {
                let logger = Arc::clone(&logger);
                std::thread::spawn(move || {
                    for _ in 0..200 {
                        logger.output(&format!("job{i}"), Stream::Stdout, &"x".repeat(500));
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        let text = buffer.contents();
        assert_eq!(text.lines().count(), 1600);
        for line in text.lines() {
            assert!(line.ends_with(&format!(" {}", "x".repeat(500))), "{line}");
        }
    }
}
