//! The per-job lock file that makes `overlap` hold across processes (a slow job called by cron
//! every minute through `exec`; RESEARCH.md C13): `<state_dir>/locks/<hash>-<job>.lock`, where
//! `<hash>` is 16 hex digits of the SHA-256 of the job file's canonical path, so two job files
//! that both have a `backup` job never skip each other.
//!
//! `skip` tries the lock once, `allow` takes none. `queue` holds at most one pending run, as
//! under `run`: a run that finds the lock busy first takes `<lock>.queue` (try only; when
//! another run already waits there, this one is skipped), then waits for the lock with a
//! blocking `flock` in a helper thread while its own thread polls the helper's pipe and the
//! cancellation, so a queued run starts the moment the previous one ends and can still be
//! cancelled while it waits.
//!
//! Locks are released when their file is closed; Rust opens files close-on-exec, so a job's
//! children never inherit them. The folder is 0700 and the files 0600.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::PipeReader;
use std::os::fd::AsFd as _;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};

use super::{Cancel, Level};
use crate::store::{Job, Overlap};

/// How often a queued run checks the lock (and the cancellation) when no helper thread or
/// wake-up pipe can be had (out of threads or descriptors).
const QUEUE_POLL: Duration = Duration::from_millis(250);

/// The result of trying to take a job's run lock.
pub(crate) enum Acquired {
    /// Go ahead; keep the value (if any) alive for the whole run.
    Lock(Option<File>),
    /// overlap = skip and another run holds the lock, or overlap = queue and another run is
    /// already waiting for it.
    Busy,
    /// Cancelled while queued.
    Cancelled,
}

/// Where the run lock of job `name` of the job file `file_key` (`history::job_file_key`) lives.
pub(crate) fn lock_path(state_dir: &Path, file_key: &str, name: &str) -> PathBuf {
    let hex = crate::ctx::job_file_hash(Path::new(file_key));
    state_dir.join("locks").join(format!("{hex}-{name}.lock"))
}

/// Takes `job`'s run lock according to its overlap policy. A lock that cannot be created
/// (read-only state dir) does not stop the run: the job runs unlocked.
pub(crate) fn acquire(job: &Job, file_key: &str, state_dir: &Path, cancel: &Cancel) -> Acquired {
    if job.overlap == Overlap::Allow {
        return Acquired::Lock(None);
    }
    let path = lock_path(state_dir, file_key, &job.name);
    let Ok(file) = open(&path) else {
        return Acquired::Lock(None);
    };
    match file.try_lock() {
        Ok(()) => return Acquired::Lock(Some(file)),
        Err(TryLockError::WouldBlock) => {}
        Err(TryLockError::Error(_)) => return Acquired::Lock(None),
    }
    if job.overlap == Overlap::Skip {
        return Acquired::Busy;
    }
    let mut queue_path = path.into_os_string();
    queue_path.push(".queue");
    // Without a queue lock (it cannot be made) the run still waits: more may queue then.
    let _queue = match open(Path::new(&queue_path)).map(|queue| (queue.try_lock(), queue)) {
        Ok((Err(TryLockError::WouldBlock), _)) => return Acquired::Busy,
        Ok((_, queue)) => Some(queue),
        Err(_) => None,
    };
    // The queue lock is released when this returns: the next run may queue from then on.
    wait(file, cancel)
}

/// Opens (creating it and its folder if need be) a lock file.
fn open(path: &Path) -> std::io::Result<File> {
    let open = || {
        OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(path)
    };
    // The folder usually exists: one open, and the folder is made only when it is missing.
    match open() {
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            let folder = path.parent().unwrap_or(Path::new("."));
            crate::history::create_private_dir(folder).and_then(|()| open())
        }
        other => other,
    }
}

/// Waits until `file` is locked (the previous run ended) or `cancel` fires.
fn wait(file: File, cancel: &Cancel) -> Acquired {
    // The helper locks a clone of the descriptor: both share one open file, hence one lock.
    // Given up (cancelled), the helper still takes the lock once it can and then drops it.
    let Ok((done, helper)) = spawn_locker(&file) else {
        return poll_wait(file, cancel);
    };
    loop {
        let waker = cancel.waker(Level::Graceful);
        let mut fds = vec![PollFd::new(done.as_fd(), PollFlags::POLLIN)];
        if let Some(fd) = waker {
            fds.push(PollFd::new(fd, PollFlags::POLLIN));
        }
        let timeout = if waker.is_some() {
            PollTimeout::NONE
        } else {
            PollTimeout::try_from(QUEUE_POLL.as_millis()).unwrap_or(PollTimeout::MAX)
        };
        let _ = poll(&mut fds, timeout);
        drop(fds);
        match helper.try_recv() {
            Ok(Ok(())) => return Acquired::Lock(Some(file)),
            Ok(Err(_)) | Err(mpsc::TryRecvError::Disconnected) => return Acquired::Lock(None),
            Err(mpsc::TryRecvError::Empty) => {}
        }
        if cancel.is_cancelled() {
            return Acquired::Cancelled;
        }
    }
}

/// A helper thread that blocks in `flock` on a clone of `file`, reports the result on the
/// channel and then closes the pipe (which makes the reader readable).
fn spawn_locker(file: &File) -> std::io::Result<(PipeReader, mpsc::Receiver<std::io::Result<()>>)> {
    let clone = file.try_clone()?;
    let (reader, writer) = std::io::pipe()?;
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("jobtab-queue".to_owned())
        .stack_size(64 * 1024)
        .spawn(move || {
            let _ = tx.send(clone.lock());
            drop(writer);
        })?;
    Ok((reader, rx))
}

/// Waiting without a helper: try the lock every `QUEUE_POLL`.
fn poll_wait(file: File, cancel: &Cancel) -> Acquired {
    loop {
        match file.try_lock() {
            Ok(()) => return Acquired::Lock(Some(file)),
            Err(TryLockError::WouldBlock) => {}
            Err(TryLockError::Error(_)) => return Acquired::Lock(None),
        }
        if cancel.sleep(QUEUE_POLL) {
            return Acquired::Cancelled;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    fn job(overlap: &str) -> Job {
        let toml = format!(
            "[jobs.q]\nschedule = \"* * * * *\"\ncommand = \"true\"\noverlap = \"{overlap}\"\n"
        );
        let (jobs, problems) = crate::store::parse(&toml);
        assert!(problems.is_empty(), "{problems:?}");
        jobs.into_iter().next().unwrap()
    }

    #[test]
    fn locks_are_per_job_file_and_name_and_private() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        let a = lock_path(&state, "/a/jobs.toml", "backup");
        let b = lock_path(&state, "/b/jobs.toml", "backup");
        assert_ne!(a, b);
        let name = a.file_name().unwrap().to_str().unwrap();
        assert!(name.ends_with("-backup.lock") && name.len() == 16 + "-backup.lock".len());
        let skip = job("skip");
        let Acquired::Lock(Some(held)) = acquire(&skip, "/a/jobs.toml", &state, &Cancel::new())
        else {
            panic!("no lock");
        };
        // Another job file's `q` is not blocked by this one.
        assert!(matches!(
            acquire(&skip, "/b/jobs.toml", &state, &Cancel::new()),
            Acquired::Lock(Some(_))
        ));
        assert!(matches!(
            acquire(&skip, "/a/jobs.toml", &state, &Cancel::new()),
            Acquired::Busy
        ));
        drop(held);
        let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&state.join("locks")), 0o700);
        assert_eq!(mode(&lock_path(&state, "/a/jobs.toml", "q")), 0o600);
    }

    /// Whether someone holds a `flock` on `path` (it exists and /proc/locks lists its inode).
    fn flocked(path: &Path) -> bool {
        use std::os::unix::fs::MetadataExt as _;
        let Ok(meta) = std::fs::metadata(path) else {
            return false;
        };
        // As the kernel prints it: major:minor:inode, the device numbers in hex.
        let dev = meta.dev();
        let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff);
        let minor = (dev & 0xff) | ((dev >> 12) & !0xff);
        let device_inode = format!(" {major:02x}:{minor:02x}:{} ", meta.ino());
        let locks = std::fs::read_to_string("/proc/locks").unwrap_or_default();
        locks
            .lines()
            .any(|line| line.contains("FLOCK") && line.contains(&device_inode))
    }

    #[test]
    fn one_run_waits_the_next_is_skipped_and_the_waiter_starts_on_release() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().to_owned();
        let queue = job("queue");
        let held = open(&lock_path(&state, "f", "q")).unwrap();
        held.lock().unwrap();
        let waiter = {
            let (queue, state) = (queue.clone(), state.clone());
            std::thread::spawn(move || {
                let acquired = acquire(&queue, "f", &state, &Cancel::new());
                (matches!(acquired, Acquired::Lock(Some(_))), Instant::now())
            })
        };
        // The waiter holds the queue's place once `<lock>.queue` is locked (a guessed pause
        // could let this thread's run take that place and wait forever). /proc/locks shows
        // it without touching the lock.
        let mut queue_path = lock_path(&state, "f", "q").into_os_string();
        queue_path.push(".queue");
        let deadline = Instant::now() + Duration::from_secs(15);
        while !flocked(Path::new(&queue_path)) {
            assert!(Instant::now() < deadline, "the waiter never queued");
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(matches!(
            acquire(&queue, "f", &state, &Cancel::new()),
            Acquired::Busy
        ));
        let released = Instant::now();
        drop(held);
        let (locked, at) = waiter.join().unwrap();
        assert!(locked);
        // At once, not after a poll interval or a timeout; generous for a busy machine.
        assert!(
            at.duration_since(released) < Duration::from_secs(5),
            "{:?}",
            at.duration_since(released)
        );
    }

    #[test]
    fn a_queued_run_can_be_cancelled_and_frees_its_place() {
        let dir = tempfile::tempdir().unwrap();
        let queue = job("queue");
        let held = open(&lock_path(dir.path(), "f", "q")).unwrap();
        held.lock().unwrap();
        let cancel = Cancel::new();
        let canceller = cancel.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(200));
            canceller.cancel();
        });
        let start = Instant::now();
        assert!(matches!(
            acquire(&queue, "f", dir.path(), &cancel),
            Acquired::Cancelled
        ));
        // Without the cancel it would wait as long as the lock is held (to the end).
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "{:?}",
            start.elapsed()
        );
        // Its place in the queue is free again.
        let cancel = Cancel::new();
        cancel.cancel();
        assert!(matches!(
            acquire(&queue, "f", dir.path(), &cancel),
            Acquired::Cancelled
        ));
        drop(held);
    }
}
