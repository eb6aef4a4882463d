//! The per-job lock file `<state_dir>/locks/<job>.lock` that makes `overlap` hold across
//! processes (a slow job called by cron every minute through `exec`; RESEARCH.md C13).
//!
//! `skip` tries the lock once, `queue` waits for it (interruptibly), `allow` takes none.
//! The lock is released when the file is closed; Rust opens files close-on-exec, so a job's
//! children never inherit it.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::Path;
use std::time::Duration;

use super::Cancel;
use crate::store::{Job, Overlap};

/// How often a queued run checks whether the previous one ended.
const QUEUE_POLL: Duration = Duration::from_millis(100);

/// The result of trying to take a job's run lock.
pub(crate) enum Acquired {
    /// Go ahead; keep the value (if any) alive for the whole run.
    Lock(Option<File>),
    /// overlap = skip and another run holds the lock.
    Busy,
    /// Cancelled while queued.
    Cancelled,
}

/// Takes `job`'s run lock according to its overlap policy. A lock that cannot be created
/// (read-only state dir) does not stop the run: the job runs unlocked.
pub(crate) fn acquire(job: &Job, state_dir: &Path, cancel: &Cancel) -> Acquired {
    if job.overlap == Overlap::Allow {
        return Acquired::Lock(None);
    }
    let folder = state_dir.join("locks");
    let path = folder.join(format!("{}.lock", job.name));
    let open = || {
        OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
    };
    // The folder usually exists: one open, and the folder is made only when it is missing.
    let file = match open() {
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(&folder).and_then(|()| open())
        }
        other => other,
    };
    let Ok(file) = file else {
        return Acquired::Lock(None);
    };
    loop {
        match file.try_lock() {
            Ok(()) => return Acquired::Lock(Some(file)),
            Err(TryLockError::WouldBlock) => {}
            Err(TryLockError::Error(_)) => return Acquired::Lock(None),
        }
        if job.overlap == Overlap::Skip {
            return Acquired::Busy;
        }
        if cancel.sleep(QUEUE_POLL) {
            return Acquired::Cancelled;
        }
    }
}
