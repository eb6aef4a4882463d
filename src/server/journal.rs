//! The request journal: each request's log line and deliveries-log record (`record` makes
//! them), written in batches by one thread. The line is queued in the logger (`Logger::queue`),
//! which keeps every line in the order it was made: any line the scheduler writes meanwhile
//! writes the queued ones first. The record is appended to a buffer here. The thread takes
//! what is waiting, appends the records to the deliveries file and writes the queued lines,
//! then pauses: under a flood that is one write of each per batch, not one per request, and no
//! request waits for the disk or for another request's write. Past [`MAX_RECORDS`] bytes
//! waiting (the disk or the thread this far behind), a request's record is dropped (that log
//! is bounded anyway), never its line, unless the log itself stops taking lines (a pipe nobody
//! reads): then lines past the logger's limit are counted instead of kept, and the log says
//! how many, so that requests never wait for the log (`Logger::queue`).

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};

use super::deliveries;
use crate::log::Logger;

/// Bytes of records waiting for the thread at most.
const MAX_RECORDS: usize = 4 * 1024 * 1024;

/// The thread's pause after each batch, so that a flood gathers into batches. A line waits
/// at most about this long.
const BATCH_PAUSE: Duration = Duration::from_millis(20);

/// How long [`Journal::flush`] waits for the thread.
const FLUSH_WAIT: Duration = Duration::from_secs(2);

/// What requests have added and the thread not yet taken.
#[derive(Default)]
struct Pending {
    /// Deliveries-log lines.
    records: Vec<u8>,
    /// Entries added since the start.
    added: u64,
    /// Entries the thread has taken (its lines are queued in the logger until written).
    taken: u64,
    /// No journal is left to add entries: write what is pending and end.
    closed: bool,
}

/// What the requests and the thread share.
#[derive(Default)]
struct Shared {
    pending: Mutex<Pending>,
    /// Signalled when the first entry after a batch arrives, and on close.
    arrived: Condvar,
    /// Entries written (`Pending::taken` as of the last batch).
    written: Mutex<u64>,
    /// Signalled after each batch.
    wrote: Condvar,
    /// Whether the thread runs; once it ended (or never started), requests write their own
    /// lines.
    running: AtomicBool,
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

/// Marks the thread ended however it ends (a panic included).
struct Running(Arc<Shared>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.running.store(false, Ordering::SeqCst);
    }
}

impl Journal {
    /// Starts the thread writing lines through `logger` and records into `state_dir`'s
    /// deliveries log.
    pub(crate) fn start(state_dir: &Path, logger: Arc<Logger>) -> Result<Journal> {
        let shared = Arc::new(Shared::default());
        let writer = deliveries::Writer::new(state_dir);
        let (thread_shared, thread_logger) = (Arc::clone(&shared), Arc::clone(&logger));
        shared.running.store(true, Ordering::SeqCst);
        let started = std::thread::Builder::new()
            .name("journal".into())
            .spawn(move || {
                let _running = Running(Arc::clone(&thread_shared));
                write_batches(&thread_shared, &thread_logger, writer);
            });
        if let Err(err) = started {
            shared.running.store(false, Ordering::SeqCst);
            return Err(err).context("cannot start the request journal thread");
        }
        Ok(Journal(Arc::new(Handle { shared, logger })))
    }

    /// Adds a request's log `line` (made by `Logger::info_line` or `Logger::warn_line`) and
    /// its deliveries-log `record` (`deliveries::Delivery::write_line`).
    pub(crate) fn add(&self, line: &str, record: Option<&[u8]>) {
        let Handle { shared, logger } = &*self.0;
        logger.queue(line);
        if !shared.running.load(Ordering::SeqCst) {
            logger.write_queued();
            return;
        }
        let mut pending = shared.pending();
        let first = pending.added == pending.taken;
        if let Some(record) = record
            && pending.records.len() + record.len() <= MAX_RECORDS
        {
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
        let Handle { shared, logger } = &*self.0;
        let target = shared.pending().added;
        let deadline = Instant::now() + FLUSH_WAIT;
        let mut written = shared
            .written
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        while *written < target && shared.running.load(Ordering::SeqCst) {
            let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                break;
            };
            written = shared
                .wrote
                .wait_timeout(written, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        drop(written);
        // Whatever the thread did not get to, the lines at least.
        logger.write_queued();
    }
}

/// The thread: takes whatever is pending, writes it, pauses; ends once closed and empty.
fn write_batches(shared: &Shared, logger: &Logger, mut writer: deliveries::Writer) {
    let mut records = Vec::new();
    loop {
        let (taken, closed) = {
            let mut pending = shared.pending();
            while pending.added == pending.taken && !pending.closed {
                pending = shared
                    .arrived
                    .wait(pending)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            // The buffers change places: the requests fill the emptied one meanwhile.
            std::mem::swap(&mut records, &mut pending.records);
            pending.taken = pending.added;
            (pending.taken, pending.closed)
        };
        // The records first: a log reader that blocks (a stuck pipe) does not hold them up.
        if !records.is_empty() {
            writer.append(&records);
            writer.flush();
            records.clear();
            records.shrink_to(MAX_RECORDS / 4);
        }
        logger.write_queued();
        *shared
            .written
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = taken;
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

    /// A journal whose thread is held up: records past [`MAX_RECORDS`] are dropped, lines
    /// never; they stay queued in the logger, and a line the scheduler writes meanwhile comes
    /// after them.
    #[test]
    fn lines_are_never_dropped_and_keep_their_place_before_later_lines() {
        let (logger, log) = Logger::capture(Format::Text);
        let shared = Shared::default();
        // As if the thread ran but never took anything.
        shared.running.store(true, Ordering::SeqCst);
        let journal = Journal(Arc::new(Handle {
            shared: Arc::new(shared),
            logger: Arc::new(logger),
        }));
        let big = vec![b'x'; MAX_RECORDS];
        journal.add("request 1\n", Some(&big));
        journal.add("request 2\n", Some(b"dropped\n"));
        assert_eq!(journal.0.shared.pending().records.len(), MAX_RECORDS);
        assert_eq!(journal.0.shared.pending().added, 2);
        assert_eq!(log.contents(), "", "queued, not written");
        journal.0.logger.write_lines(b"scheduler\n");
        assert_eq!(log.contents(), "request 1\nrequest 2\nscheduler\n");
    }

    /// Once the thread is gone, a request writes its line itself.
    #[test]
    fn without_its_thread_a_journal_writes_each_line_at_once() {
        let (logger, log) = Logger::capture(Format::Text);
        let journal = Journal(Arc::new(Handle {
            shared: Arc::new(Shared::default()),
            logger: Arc::new(logger),
        }));
        journal.add("request\n", Some(b"{}\n"));
        assert_eq!(log.contents(), "request\n");
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
