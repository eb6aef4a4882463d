//! The request journal: each request's log line and deliveries-log record (`record` makes
//! them), written by one thread in batches. Requests append their bytes to a shared buffer;
//! the thread takes the whole buffer at once. Under a flood that is one write to the log and
//! one to the deliveries file per batch, not one per request, and no request waits for the
//! disk or for another request's write. Every line is written: when the thread is this far
//! behind, the request writes its line itself and only its deliveries record is dropped (that
//! log is bounded anyway).

use std::path::Path;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};

use super::deliveries;
use crate::log::Logger;

/// Bytes waiting for the thread at most (lines and records together).
const MAX_PENDING: usize = 4 * 1024 * 1024;

/// The thread's pause after each batch, so that a flood gathers into batches. A line waits
/// at most about this long.
const BATCH_PAUSE: Duration = Duration::from_millis(20);

/// How long [`Journal::flush`] waits for the thread.
const FLUSH_WAIT: Duration = Duration::from_secs(2);

/// What requests have added and the thread not yet taken.
#[derive(Default)]
struct Pending {
    /// Log lines (each with its newline).
    lines: Vec<u8>,
    /// Deliveries-log lines.
    records: Vec<u8>,
    /// Entries added since the start.
    added: u64,
    /// No journal is left to add entries: write what is pending and end.
    closed: bool,
}

/// What the requests and the thread share.
#[derive(Default)]
struct Shared {
    pending: Mutex<Pending>,
    /// Signalled when the first entry after a batch arrives, and on close.
    arrived: Condvar,
    /// Entries written (`Pending::added` as of the last batch).
    written: Mutex<u64>,
    /// Signalled after each batch.
    wrote: Condvar,
}

impl Shared {
    fn pending(&self) -> MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The adding end of the journal (cheap to clone); the thread ends when the last is dropped.
#[derive(Clone)]
pub(crate) struct Journal(Arc<Handle>);

struct Handle {
    shared: Arc<Shared>,
    logger: Arc<Logger>,
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.shared.pending().closed = true;
        self.shared.arrived.notify_one();
    }
}

impl Journal {
    /// Starts the thread writing lines through `logger` and records into `state_dir`'s
    /// deliveries log.
    pub(crate) fn start(state_dir: &Path, logger: Arc<Logger>) -> Result<Journal> {
        let shared = Arc::new(Shared::default());
        let writer = deliveries::Writer::new(state_dir);
        let (thread_shared, thread_logger) = (Arc::clone(&shared), Arc::clone(&logger));
        std::thread::Builder::new()
            .name("journal".into())
            .spawn(move || write_batches(&thread_shared, &thread_logger, writer))
            .context("cannot start the request journal thread")?;
        Ok(Journal(Arc::new(Handle { shared, logger })))
    }

    /// Adds a request's log `line` (made by `Logger::info_line` or `Logger::warn_line`) and
    /// its deliveries-log `record` (`deliveries::Delivery::write_line`). When the thread is
    /// this far behind, the line is written here and now and the record dropped.
    pub(crate) fn add(&self, line: &str, record: Option<&[u8]>) {
        let Handle { shared, logger } = &*self.0;
        let mut pending = shared.pending();
        if pending.lines.len() + pending.records.len() > MAX_PENDING {
            drop(pending);
            logger.write_lines(line.as_bytes());
            return;
        }
        let first = pending.lines.is_empty() && pending.records.is_empty();
        pending.lines.extend_from_slice(line.as_bytes());
        if let Some(record) = record {
            pending.records.extend_from_slice(record);
        }
        pending.added += 1;
        drop(pending);
        // Later entries find the thread awake (or about to take them after its pause).
        if first {
            shared.arrived.notify_one();
        }
    }

    /// Returns once everything added before is written (or after [`FLUSH_WAIT`]): the
    /// server calls it when it stops, so the last requests' lines are not lost.
    pub(crate) fn flush(&self) {
        let shared = &self.0.shared;
        let target = shared.pending().added;
        let deadline = Instant::now() + FLUSH_WAIT;
        let mut written = shared
            .written
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        while *written < target {
            let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                return;
            };
            written = shared
                .wrote
                .wait_timeout(written, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }
}

/// The thread: takes whatever is pending, writes it, pauses; ends once closed and empty.
fn write_batches(shared: &Shared, logger: &Logger, mut writer: deliveries::Writer) {
    let (mut lines, mut records) = (Vec::new(), Vec::new());
    loop {
        let (added, closed) = {
            let mut pending = shared.pending();
            while pending.lines.is_empty() && pending.records.is_empty() && !pending.closed {
                pending = shared
                    .arrived
                    .wait(pending)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            // The buffers change places: the requests fill the emptied ones meanwhile.
            std::mem::swap(&mut lines, &mut pending.lines);
            std::mem::swap(&mut records, &mut pending.records);
            (pending.added, pending.closed)
        };
        if !lines.is_empty() {
            logger.write_lines(&lines);
            lines.clear();
        }
        if !records.is_empty() {
            writer.append(&records);
            writer.flush();
            records.clear();
        }
        *shared
            .written
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = added;
        shared.wrote.notify_all();
        if closed {
            return;
        }
        std::thread::sleep(BATCH_PAUSE);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::Format;

    /// Every line reaches the log in order, every record the deliveries file, and `flush`
    /// returns only once they are written.
    #[test]
    fn lines_and_records_are_written_in_order_by_flush() {
        let dir = tempfile::tempdir().unwrap();
        let (logger, log) = Logger::capture(Format::Text);
        let journal = Journal::start(dir.path(), Arc::new(logger)).unwrap();
        for n in 0..1000 {
            let record = format!("{{\"n\":{n}}}\n");
            journal.add(
                &format!("line {n}\n"),
                (n % 2 == 0).then_some(record.as_bytes()),
            );
        }
        journal.flush();
        let expected: String = (0..1000).map(|n| format!("line {n}\n")).collect();
        assert_eq!(log.contents(), expected);
        let file = std::fs::read_to_string(dir.path().join("webhook-deliveries.jsonl")).unwrap();
        let records: Vec<&str> = file.lines().collect();
        assert_eq!(records.len(), 500);
        assert_eq!(records[0], "{\"n\":0}");
        assert_eq!(records[499], "{\"n\":998}");
    }

    /// Past the bound of what may wait, a request writes its own line (only its deliveries
    /// record is dropped): no line is lost.
    #[test]
    fn a_full_journal_writes_the_line_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let (logger, log) = Logger::capture(Format::Text);
        // A journal without its thread: nothing is taken from the buffer.
        let journal = Journal(Arc::new(Handle {
            shared: Arc::new(Shared::default()),
            logger: Arc::new(logger),
        }));
        let big = vec![b'x'; MAX_PENDING];
        journal.add("queued\n", Some(&big));
        assert_eq!(log.contents(), "");
        journal.add("written at once\n", Some(b"dropped\n"));
        assert_eq!(log.contents(), "written at once\n");
        let pending = journal.0.shared.pending();
        assert_eq!(pending.lines, b"queued\n");
        assert_eq!(pending.records.len(), MAX_PENDING);
        drop(pending);
        drop(dir);
    }

    /// Dropping the last journal ends the thread after it wrote what was pending.
    #[test]
    fn the_thread_writes_what_is_pending_and_ends_when_the_journal_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let (logger, log) = Logger::capture(Format::Text);
        let journal = Journal::start(dir.path(), Arc::new(logger)).unwrap();
        let shared = Arc::clone(&journal.0.shared);
        journal.add("last\n", None);
        drop(journal);
        let deadline = Instant::now() + Duration::from_secs(30);
        // The thread holds the only other reference; it lets go when it ends.
        while Arc::strong_count(&shared) > 1 {
            assert!(Instant::now() < deadline, "the thread never ended");
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(log.contents(), "last\n");
    }
}
