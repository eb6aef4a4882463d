//! Files jobtab keeps to itself: one way to make a private folder and one way to open and lock
//! a lock file (in the shape of uv's `LockedFile`).
//!
//! Two kinds of lock, both released when the file is closed (jobtab's files are opened
//! close-on-exec, so a job's children never inherit one) and both dying with their process:
//!
//! - `Span::Whole`: an OS `flock` on the whole file, shared or exclusive. The kernel lists its
//!   holder's pid in `/proc/locks`, so a busy lock names the process that holds it.
//! - `Span::Byte(offset)`: an open-file-description lock (`F_OFD_SETLK`) on one byte at
//!   `offset`. Many independent locks share one file, so a lock per job needs no file per job.
//!   Unlike classic POSIX record locks these belong to the open file (not the process), so
//!   threads of one process exclude each other and closing another descriptor of the same file
//!   releases nothing. Their holder is not recorded by the kernel (`/proc/locks` says -1).
//!
//! Lock files and the folders made here are private: files 0600, folders 0700.

use std::fmt;
use std::fs::{File, OpenOptions, TryLockError};
use std::io;
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Creates `dir` and its missing parents, each level it creates mode 0700 (before the umask).
/// An existing folder is left as it is.
pub(crate) fn create_private_dir(dir: &Path) -> io::Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// Shared (readers) or exclusive (writers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Shared,
    Exclusive,
}

/// What is locked: the whole file, or one byte of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Span {
    Whole,
    Byte(u64),
}

/// What to do when another process (or, for `Span::Byte`, another open of the file) holds a
/// conflicting lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wait {
    /// Try once.
    No,
    /// Retry (1 ms, doubling up to 50 ms) for at most this long.
    Upto(Duration),
    /// Block until it is free.
    Forever,
}

/// How a lock file is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Open {
    /// Read-write, created 0600 when missing; its folder must exist.
    Create,
    /// As `Create`, and a missing folder is made private (`create_private_dir`) first. The
    /// folder usually exists: one `open` when it does, and no `O_CREAT` once the file exists.
    CreateWithFolder,
    /// A new file, 0600, failing if it exists.
    CreateNew,
    /// An existing file, read-only (shared locks of readers).
    Existing,
}

/// A lock file, opened but not locked.
#[derive(Debug)]
pub(crate) struct LockFile {
    file: File,
    path: PathBuf,
}

/// A held lock; released when dropped.
#[derive(Debug)]
pub(crate) struct LockedFile {
    file: File,
    path: PathBuf,
    span: Span,
}

/// Why a lock was not taken.
#[derive(Debug)]
pub(crate) enum LockError {
    /// Another holder kept it (after waiting `waited`, zero for `Wait::No`).
    Busy {
        path: PathBuf,
        /// The locked file's device and inode, to find its holder (whole-file locks only).
        id: Option<(u64, u64)>,
        waited: Duration,
    },
    /// The file could not be opened (`doing` is "open") or locked ("lock").
    Io {
        doing: &'static str,
        path: PathBuf,
        source: io::Error,
    },
}

impl LockError {
    /// Whether the lock is held by someone else (rather than failing to open or lock).
    pub(crate) fn is_busy(&self) -> bool {
        matches!(self, LockError::Busy { .. })
    }

    /// The process holding a busy whole-file lock, as the kernel lists it in `/proc/locks`
    /// (in our pid namespace), read now; `None` when it is not listed.
    pub(crate) fn holder(&self) -> Option<u32> {
        let LockError::Busy {
            id: Some((dev, ino)),
            ..
        } = self
        else {
            return None;
        };
        // The kernel prints `/proc/locks` a few entries per read, and locks taken or released
        // meanwhile can shift the rest past the reader: an entry can be missed while other
        // processes lock busily. A second and third reading find it.
        (0..3).find_map(|_| {
            let locks = std::fs::read_to_string("/proc/locks").ok()?;
            holder_in(&locks, *dev, *ino)
        })
    }

    /// `pid 123` or `unknown pid`, for messages.
    pub(crate) fn holder_words(&self) -> String {
        match self.holder() {
            Some(pid) => format!("pid {pid}"),
            None => "unknown pid".to_owned(),
        }
    }
}

impl fmt::Display for LockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LockError::Busy { path, waited, .. } => {
                write!(
                    f,
                    "another process ({}) holds {}",
                    self.holder_words(),
                    path.display()
                )?;
                if waited.as_secs() > 0 {
                    write!(f, " for more than {}s", waited.as_secs())?;
                } else if !waited.is_zero() {
                    write!(f, " for more than {}ms", waited.as_millis())?;
                }
                write!(f, "; wait for it to finish, then try again")
            }
            LockError::Io {
                doing,
                path,
                source,
            } => write!(f, "cannot {doing} lock file {}: {source}", path.display()),
        }
    }
}

impl std::error::Error for LockError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LockError::Busy { .. } => None,
            LockError::Io { source, .. } => Some(source),
        }
    }
}

impl LockFile {
    /// Opens the lock file at `path` as `how` says.
    pub(crate) fn open(path: &Path, how: Open) -> Result<LockFile, LockError> {
        let io = |source| LockError::Io {
            doing: "open",
            path: path.to_owned(),
            source,
        };
        let file = match how {
            Open::Create => create(path, false),
            Open::CreateNew => create(path, true),
            Open::Existing => File::open(path),
            Open::CreateWithFolder => match OpenOptions::new().read(true).write(true).open(path) {
                Err(err) if err.kind() == io::ErrorKind::NotFound => match create(path, false) {
                    Err(err) if err.kind() == io::ErrorKind::NotFound => {
                        let folder = path.parent().unwrap_or(Path::new("."));
                        create_private_dir(folder).map_err(io)?;
                        create(path, false)
                    }
                    other => other,
                },
                other => other,
            },
        }
        .map_err(io)?;
        Ok(LockFile {
            file,
            path: path.to_owned(),
        })
    }

    /// Opens `path` and locks it: `LockFile::open` then `LockFile::lock`.
    pub(crate) fn acquire(
        path: &Path,
        how: Open,
        mode: Mode,
        wait: Wait,
    ) -> Result<LockedFile, LockError> {
        LockFile::open(path, how)?.lock(mode, Span::Whole, wait)
    }

    /// The opened file, to read what it holds before locking it.
    pub(crate) fn file(&self) -> &File {
        &self.file
    }

    /// Locks `span` of the file as `mode`, waiting as `wait` says.
    pub(crate) fn lock(self, mode: Mode, span: Span, wait: Wait) -> Result<LockedFile, LockError> {
        let start = Instant::now();
        let mut pause = Duration::from_millis(1);
        loop {
            let blocking = wait == Wait::Forever;
            match try_lock(&self.file, mode, span, blocking) {
                Ok(true) => {
                    return Ok(LockedFile {
                        file: self.file,
                        path: self.path,
                        span,
                    });
                }
                Ok(false) => {}
                Err(source) => {
                    return Err(LockError::Io {
                        doing: "lock",
                        path: self.path,
                        source,
                    });
                }
            }
            let give_up = match wait {
                Wait::No => true,
                Wait::Upto(timeout) => start.elapsed() >= timeout,
                Wait::Forever => false,
            };
            if give_up {
                use std::os::unix::fs::MetadataExt as _;
                let id = match span {
                    Span::Whole => self.file.metadata().ok().map(|m| (m.dev(), m.ino())),
                    Span::Byte(_) => None,
                };
                return Err(LockError::Busy {
                    id,
                    waited: if wait == Wait::No {
                        Duration::ZERO
                    } else {
                        start.elapsed()
                    },
                    path: self.path,
                });
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(50));
        }
    }
}

impl Drop for LockedFile {
    /// Unlocks before the file is closed. Closing alone is not enough: both kinds of lock
    /// belong to the open file description, and a child that another thread forks at that
    /// moment holds a copy of the descriptor until its exec, so the lock would outlive us by
    /// those microseconds and a run starting then would be skipped as "still running". An
    /// explicit unlock releases it whatever copies exist.
    fn drop(&mut self) {
        let _ = match self.span {
            Span::Whole => self.file.unlock(),
            Span::Byte(offset) => byte_unlock(&self.file, offset),
        };
    }
}

impl LockedFile {
    /// The locked file, to read or write what it holds.
    pub(crate) fn file(&self) -> &File {
        &self.file
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

/// Opens `path` read-write, creating it 0600 (never its folder).
fn create(path: &Path, new: bool) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).mode(0o600);
    if new {
        options.create_new(true);
    } else {
        options.create(true).truncate(false);
    }
    options.open(path)
}

/// Takes the lock (blocking or not): `Ok(false)` when another holds it.
fn try_lock(file: &File, mode: Mode, span: Span, blocking: bool) -> io::Result<bool> {
    match span {
        Span::Whole => {
            let result = match (mode, blocking) {
                (Mode::Exclusive, true) => return file.lock().map(|()| true),
                (Mode::Shared, true) => return file.lock_shared().map(|()| true),
                (Mode::Exclusive, false) => file.try_lock(),
                (Mode::Shared, false) => file.try_lock_shared(),
            };
            match result {
                Ok(()) => Ok(true),
                Err(TryLockError::WouldBlock) => Ok(false),
                Err(TryLockError::Error(err)) => Err(err),
            }
        }
        Span::Byte(offset) => byte_lock(file, mode, offset, blocking),
    }
}

/// An open-file-description lock on the byte at `offset`.
fn byte_lock(file: &File, mode: Mode, offset: u64, blocking: bool) -> io::Result<bool> {
    use nix::fcntl::{FcntlArg, fcntl};
    use nix::libc;
    let start = libc::off_t::try_from(offset)
        .ok()
        .filter(|start| *start < libc::off_t::MAX)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "lock offset out of range"))?;
    let lock_type = match mode {
        Mode::Shared => libc::F_RDLCK,
        Mode::Exclusive => libc::F_WRLCK,
    };
    let flock = libc::flock {
        l_type: lock_type as libc::c_short,
        l_whence: libc::SEEK_SET as libc::c_short,
        l_start: start,
        l_len: 1,
        // Must be 0 for open-file-description locks.
        l_pid: 0,
    };
    loop {
        let arg = if blocking {
            FcntlArg::F_OFD_SETLKW(&flock)
        } else {
            FcntlArg::F_OFD_SETLK(&flock)
        };
        match fcntl(file, arg) {
            Ok(_) => return Ok(true),
            Err(nix::errno::Errno::EAGAIN | nix::errno::Errno::EACCES) if !blocking => {
                return Ok(false);
            }
            Err(nix::errno::Errno::EINTR) => {}
            Err(err) => return Err(err.into()),
        }
    }
}

/// Releases the open-file-description lock on the byte at `offset`.
fn byte_unlock(file: &File, offset: u64) -> io::Result<()> {
    use nix::fcntl::{FcntlArg, fcntl};
    use nix::libc;
    let start = libc::off_t::try_from(offset)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "lock offset out of range"))?;
    let flock = libc::flock {
        l_type: libc::F_UNLCK as libc::c_short,
        l_whence: libc::SEEK_SET as libc::c_short,
        l_start: start,
        l_len: 1,
        l_pid: 0,
    };
    fcntl(file, FcntlArg::F_OFD_SETLK(&flock))
        .map(drop)
        .map_err(io::Error::from)
}

/// The holder in `/proc/locks` text of a `flock` on the file `dev`/`ino`. Lines look like
/// `3: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF`; waiters' lines (`3: -> FLOCK ...`) are
/// skipped.
fn holder_in(locks: &str, dev: u64, ino: u64) -> Option<u32> {
    // As the kernel prints it: major:minor:inode, the device numbers in hex.
    let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff);
    let minor = (dev & 0xff) | ((dev >> 12) & !0xff);
    let id = format!("{major:02x}:{minor:02x}:{ino}");
    locks.lines().find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        match fields.as_slice() {
            [_, "FLOCK", _, _, pid, file, ..] if *file == id => pid.parse().ok(),
            _ => None,
        }
    })
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    /// How long a test waits for a lock it just released to be free (see the callers).
    const SETTLE: Duration = Duration::from_secs(5);

    fn mode_of(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn private_folders_are_0700_at_every_level_made() {
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("a/b/c");
        create_private_dir(&deep).unwrap();
        for level in ["a", "a/b", "a/b/c"] {
            assert_eq!(mode_of(&dir.path().join(level)), 0o700, "{level}");
        }
        // An existing folder is fine and left alone.
        create_private_dir(&deep).unwrap();
    }

    #[test]
    fn an_exclusive_lock_names_its_holder_and_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.lock");
        let held = LockFile::acquire(&path, Open::Create, Mode::Exclusive, Wait::No).unwrap();
        assert_eq!(mode_of(&path), 0o600);
        assert_eq!(held.path(), path);
        let err = LockFile::acquire(&path, Open::Create, Mode::Shared, Wait::No).unwrap_err();
        assert!(err.is_busy());
        assert_eq!(
            err.to_string(),
            format!(
                "another process (pid {}) holds {}; wait for it to finish, then try again",
                std::process::id(),
                path.display()
            )
        );
        let err = LockFile::acquire(
            &path,
            Open::Create,
            Mode::Exclusive,
            Wait::Upto(Duration::from_millis(30)),
        )
        .unwrap_err();
        let LockError::Busy { waited, .. } = &err else {
            panic!("{err}");
        };
        assert!(*waited >= Duration::from_millis(30));
        let text = err.to_string();
        assert!(text.contains(" for more than "), "{text}");
        assert!(
            text.ends_with("; wait for it to finish, then try again"),
            "{text}"
        );
        drop(held);
        // Released: free again. (Retried briefly: a child another test forks in that moment
        // carries a copy of the descriptor, and so the lock, until its exec closes it.)
        LockFile::acquire(&path, Open::Create, Mode::Exclusive, Wait::Upto(SETTLE)).unwrap();
    }

    #[test]
    fn shared_locks_share_and_exclude_writers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.lock");
        let a = LockFile::acquire(&path, Open::Create, Mode::Shared, Wait::No).unwrap();
        let _b = LockFile::acquire(&path, Open::Existing, Mode::Shared, Wait::No).unwrap();
        assert!(
            LockFile::acquire(&path, Open::Create, Mode::Exclusive, Wait::No)
                .unwrap_err()
                .is_busy()
        );
        drop(a);
    }

    #[test]
    fn opening_never_makes_a_folder_unless_asked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/deeper/x.lock");
        let err = LockFile::open(&path, Open::Create).unwrap_err();
        assert!(!err.is_busy());
        assert!(
            err.to_string().starts_with("cannot open lock file "),
            "{err}"
        );
        assert!(!dir.path().join("sub").exists());
        LockFile::open(&path, Open::CreateWithFolder).unwrap();
        assert_eq!(mode_of(&dir.path().join("sub")), 0o700);
        assert_eq!(mode_of(&dir.path().join("sub/deeper")), 0o700);
        assert_eq!(mode_of(&path), 0o600);
        // Now it exists: opened again without creating.
        LockFile::open(&path, Open::CreateWithFolder).unwrap();
        assert!(LockFile::open(&path, Open::CreateNew).is_err());
    }

    /// A child forked by another thread holds a copy of every descriptor until its exec; a
    /// copy (here `try_clone`, the same open file description) must not keep a released lock.
    #[test]
    fn a_dropped_lock_is_free_while_a_copy_of_its_descriptor_is_still_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jobs.lock");
        let open = || LockFile::open(&path, Open::Create).unwrap();
        for span in [Span::Byte(42), Span::Whole] {
            let held = open().lock(Mode::Exclusive, span, Wait::No).unwrap();
            let copy = held.file().try_clone().unwrap();
            drop(held);
            let again = open().lock(Mode::Exclusive, span, Wait::No);
            assert!(again.is_ok(), "{span:?}: {:?}", again.err());
            drop(copy);
        }
    }

    #[test]
    fn byte_locks_are_independent_per_offset_and_per_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jobs.lock");
        let open = || LockFile::open(&path, Open::Create).unwrap();
        let byte = |offset| Span::Byte(offset);
        let big = (1 << 62) + 7;
        let held = open().lock(Mode::Exclusive, byte(big), Wait::No).unwrap();
        // Another open of the file, in the same process and thread, is another owner.
        let err = open()
            .lock(Mode::Exclusive, byte(big), Wait::No)
            .unwrap_err();
        assert!(err.is_busy());
        assert_eq!(err.holder_words(), "unknown pid");
        // Neighbouring bytes are other locks.
        let _next = open()
            .lock(Mode::Exclusive, byte(big + 1), Wait::No)
            .unwrap();
        let _before = open()
            .lock(Mode::Exclusive, byte(big - 1), Wait::No)
            .unwrap();
        // Whole-file flocks do not meet byte locks.
        let _whole = open().lock(Mode::Exclusive, Span::Whole, Wait::No).unwrap();
        // Closing another descriptor of the file releases nothing (unlike POSIX locks).
        drop(std::fs::File::open(&path).unwrap());
        assert!(
            open()
                .lock(Mode::Shared, byte(big), Wait::No)
                .unwrap_err()
                .is_busy()
        );
        drop(held);
        // Released: free again. (Retried briefly: a child another test forks in that moment
        // carries a copy of the descriptor, and so the lock, until its exec closes it.)
        open()
            .lock(Mode::Exclusive, byte(big), Wait::Upto(SETTLE))
            .unwrap();
        assert!(
            open()
                .lock(Mode::Exclusive, byte(u64::MAX), Wait::No)
                .is_err()
        );
    }

    #[test]
    fn a_blocked_byte_lock_is_taken_when_released_in_another_thread() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jobs.lock");
        let held = LockFile::open(&path, Open::Create)
            .unwrap()
            .lock(Mode::Exclusive, Span::Byte(42), Wait::No)
            .unwrap();
        let waiter = LockFile::open(&path, Open::Create).unwrap();
        let thread = std::thread::spawn(move || {
            waiter
                .lock(Mode::Exclusive, Span::Byte(42), Wait::Forever)
                .unwrap()
        });
        std::thread::sleep(Duration::from_millis(50));
        drop(held);
        let taken = thread.join().unwrap();
        assert!(
            LockFile::open(&path, Open::Create)
                .unwrap()
                .lock(Mode::Exclusive, Span::Byte(42), Wait::No)
                .unwrap_err()
                .is_busy()
        );
        drop(taken);
        // Released: free again. (Retried briefly: a child another test forks in that moment
        // carries a copy of the descriptor, and so the lock, until its exec closes it.)
        LockFile::open(&path, Open::Create)
            .unwrap()
            .lock(Mode::Exclusive, Span::Byte(42), Wait::Upto(SETTLE))
            .unwrap();
    }

    #[test]
    fn proc_locks_lines_name_the_holder_not_waiters() {
        let text = "1: POSIX  ADVISORY  WRITE 77 08:01:99 0 EOF\n\
                    2: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF\n\
                    2: -> FLOCK  ADVISORY  WRITE 999 08:01:5678 0 EOF\n\
                    3: OFDLCK ADVISORY  WRITE -1 08:01:42 7 7\n";
        let dev = (8 << 8) | 1;
        assert_eq!(holder_in(text, dev, 5678), Some(1234));
        assert_eq!(holder_in(text, dev, 99), None);
        assert_eq!(holder_in(text, dev, 42), None);
        assert_eq!(holder_in(text, dev, 1), None);
    }
}
