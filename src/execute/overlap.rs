//! The per-job run lock that makes `overlap` hold across processes (a slow job called by cron
//! every minute through `exec`; RESEARCH.md C13), without a file per job: one lock file per job
//! file, `<state_dir>/locks/<hash>.lock` (`<hash>`: 16 hex digits of the SHA-256 of the job
//! file's canonical path, so two job files that both have a `backup` job never skip each
//! other), in which each job locks bytes of its own (`crate::fs::Span::Byte`, open file
//! description locks, which exclude threads of one process as well as other processes).
//!
//! Job `name` owns the two bytes at `2·h` and `2·h + 1`, where `h` is the first 8 bytes of the
//! SHA-256 of the name, big-endian, shifted right by 3 (61 bits): the first byte is its run
//! lock, the second its place in the queue. Two names share bytes only if their hashes agree
//! on 61 bits: for 10,000 jobs in one file the odds are about 1 in 10^10, so collisions are not
//! handled further.
//!
//! `skip` tries the run lock once, `allow` takes none. `queue` holds at most one pending run,
//! as under `run`: a run that finds the lock busy first takes the queue byte (try only; when
//! another run already waits there, this one is skipped), then waits for the run lock with a
//! blocking lock in a helper thread while its own thread polls the helper's pipe and the
//! cancellation, so a queued run starts the moment the previous one ends and can still be
//! cancelled while it waits.
//!
//! Locks are released when their file is closed; files are opened close-on-exec, so a job's
//! children never inherit them. The folder is 0700 and the file 0600.

use std::io::PipeReader;
use std::os::fd::AsFd as _;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use sha2::{Digest as _, Sha256};

use super::{Cancel, Level};
use crate::fs::{LockError, LockFile, LockedFile, Mode, Open, Span, Wait};
use crate::store::{Job, Overlap};

/// How often a queued run checks the lock (and the cancellation) when no helper thread or
/// wake-up pipe can be had (out of threads or descriptors).
const QUEUE_POLL: Duration = Duration::from_millis(250);

/// The result of trying to take a job's run lock.
pub(crate) enum Acquired {
    /// Go ahead; keep the value (if any) alive for the whole run.
    Lock(Option<LockedFile>),
    /// overlap = skip and another run holds the lock, or overlap = queue and another run is
    /// already waiting for it.
    Busy,
    /// Cancelled while queued.
    Cancelled,
}

/// The lock file of the jobs of the job file `file_key` (`history::job_file_key`).
pub(crate) fn lock_path(state_dir: &Path, file_key: &str) -> PathBuf {
    let hex = crate::ctx::job_file_hash(Path::new(file_key));
    state_dir.join("locks").join(format!("{hex}.lock"))
}

/// The byte of job `name`'s run lock; its queue place is the next one.
pub(crate) fn run_byte(name: &str) -> u64 {
    let digest = Sha256::digest(name.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    (u64::from_be_bytes(first) >> 3) * 2
}

/// Tries once to take the run lock of job `name` of `file_key`, creating the lock file (and
/// its folder) when missing.
pub(crate) fn try_run_lock(
    state_dir: &Path,
    file_key: &str,
    name: &str,
) -> Result<LockedFile, LockError> {
    LockFile::open(&lock_path(state_dir, file_key), Open::CreateWithFolder)?.lock(
        Mode::Exclusive,
        Span::Byte(run_byte(name)),
        Wait::No,
    )
}

/// Takes `job`'s run lock according to its overlap policy. A lock that cannot be created
/// (read-only state dir) does not stop the run: the job runs unlocked.
pub(crate) fn acquire(job: &Job, file_key: &str, state_dir: &Path, cancel: &Cancel) -> Acquired {
    if job.overlap == Overlap::Allow {
        return Acquired::Lock(None);
    }
    match try_run_lock(state_dir, file_key, &job.name) {
        Ok(lock) => return Acquired::Lock(Some(lock)),
        Err(err) if err.is_busy() => {}
        Err(_) => return Acquired::Lock(None),
    }
    if job.overlap == Overlap::Skip {
        return Acquired::Busy;
    }
    let path = lock_path(state_dir, file_key);
    let run = run_byte(&job.name);
    // Without a queue place (it cannot be had) the run still waits: more may queue then.
    let _queue = match LockFile::open(&path, Open::Create)
        .and_then(|file| file.lock(Mode::Exclusive, Span::Byte(run + 1), Wait::No))
    {
        Err(err) if err.is_busy() => return Acquired::Busy,
        queue => queue.ok(),
    };
    // The queue place is released when this returns: the next run may queue from then on.
    wait(&path, run, cancel)
}

/// Waits until the run lock at byte `run` of `path` is ours (the previous run ended) or
/// `cancel` fires.
fn wait(path: &Path, run: u64, cancel: &Cancel) -> Acquired {
    // Given up (cancelled), the helper still takes the lock once it can and then drops it.
    let Ok((done, helper)) = spawn_locker(path, run) else {
        return poll_wait(path, run, cancel);
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
            Ok(Ok(lock)) => return Acquired::Lock(Some(lock)),
            Ok(Err(_)) | Err(mpsc::TryRecvError::Disconnected) => return Acquired::Lock(None),
            Err(mpsc::TryRecvError::Empty) => {}
        }
        if cancel.is_cancelled() {
            return Acquired::Cancelled;
        }
    }
}

type Locked = Result<LockedFile, LockError>;

/// A helper thread that opens `path`, blocks until it holds the byte `run`, sends the held lock
/// on the channel and then closes the pipe (which makes the reader readable).
fn spawn_locker(path: &Path, run: u64) -> std::io::Result<(PipeReader, mpsc::Receiver<Locked>)> {
    let file = LockFile::open(path, Open::Create).map_err(std::io::Error::other)?;
    let (reader, writer) = std::io::pipe()?;
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("jobtab-queue".to_owned())
        .stack_size(64 * 1024)
        .spawn(move || {
            // Sent to nobody (cancelled), the lock is dropped, hence released, at once.
            let _ = tx.send(file.lock(Mode::Exclusive, Span::Byte(run), Wait::Forever));
            drop(writer);
        })?;
    Ok((reader, rx))
}

/// Waiting without a helper: try the lock every `QUEUE_POLL`.
fn poll_wait(path: &Path, run: u64, cancel: &Cancel) -> Acquired {
    loop {
        match LockFile::open(path, Open::Create)
            .and_then(|file| file.lock(Mode::Exclusive, Span::Byte(run), Wait::No))
        {
            Ok(lock) => return Acquired::Lock(Some(lock)),
            Err(err) if err.is_busy() => {}
            Err(_) => return Acquired::Lock(None),
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
        let a = lock_path(&state, "/a/jobs.toml");
        assert_ne!(a, lock_path(&state, "/b/jobs.toml"));
        let name = a.file_name().unwrap().to_str().unwrap();
        assert!(name.ends_with(".lock") && name.len() == 16 + ".lock".len());
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
        // Another job of the same file is not either.
        let _other = try_run_lock(&state, "/a/jobs.toml", "other").unwrap();
        // The same job is, even from this process (the runner runs jobs in threads).
        assert!(matches!(
            acquire(&skip, "/a/jobs.toml", &state, &Cancel::new()),
            Acquired::Busy
        ));
        drop(held);
        let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&state.join("locks")), 0o700);
        assert_eq!(mode(&a), 0o600);
    }

    #[test]
    fn one_file_per_job_file_whatever_the_number_of_jobs() {
        let dir = tempfile::tempdir().unwrap();
        let names: Vec<String> = (0..200).map(|i| format!("job{i}")).collect();
        let held: Vec<LockedFile> = names
            .iter()
            .map(|name| try_run_lock(dir.path(), "/a/jobs.toml", name).unwrap())
            .collect();
        let files: Vec<_> = std::fs::read_dir(dir.path().join("locks"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(files.len(), 1, "{files:?}");
        // Every one of the 200 is held, each apart.
        for name in &names {
            assert!(
                try_run_lock(dir.path(), "/a/jobs.toml", name)
                    .unwrap_err()
                    .is_busy()
            );
        }
        let bytes: std::collections::HashSet<u64> = names.iter().map(|n| run_byte(n)).collect();
        assert_eq!(bytes.len(), names.len());
        assert!(bytes.iter().all(|b| b % 2 == 0 && *b < 1 << 62));
        drop(held);
    }

    /// Whether someone holds the lock on byte `byte` of `path` (/proc/locks lists it).
    fn byte_locked(path: &Path, byte: u64) -> bool {
        use std::os::unix::fs::MetadataExt as _;
        let Ok(meta) = std::fs::metadata(path) else {
            return false;
        };
        // As the kernel prints it: major:minor:inode, the device numbers in hex.
        let dev = meta.dev();
        let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff);
        let minor = (dev & 0xff) | ((dev >> 12) & !0xff);
        let device_inode = format!(" {major:02x}:{minor:02x}:{} {byte} {byte}", meta.ino());
        let locks = std::fs::read_to_string("/proc/locks").unwrap_or_default();
        locks
            .lines()
            .any(|line| line.contains("OFDLCK") && line.ends_with(&device_inode))
    }

    #[test]
    fn one_run_waits_the_next_is_skipped_and_the_waiter_starts_on_release() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().to_owned();
        let queue = job("queue");
        let held = try_run_lock(&state, "f", "q").unwrap();
        let waiter = {
            let (queue, state) = (queue.clone(), state.clone());
            std::thread::spawn(move || {
                let acquired = acquire(&queue, "f", &state, &Cancel::new());
                (matches!(acquired, Acquired::Lock(Some(_))), Instant::now())
            })
        };
        // The waiter holds the queue's place once its byte is locked (a guessed pause could
        // let this thread's run take that place and wait forever). /proc/locks shows it
        // without touching the lock.
        let deadline = Instant::now() + Duration::from_secs(15);
        while !byte_locked(&lock_path(&state, "f"), run_byte("q") + 1) {
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
        let held = try_run_lock(dir.path(), "f", "q").unwrap();
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
