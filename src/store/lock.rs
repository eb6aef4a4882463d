//! The exclusive lock every writer of a job file holds: a sidecar `<file>.lock`, because the
//! atomic rename replaces the job file's inode and a lock on the old inode would not cover the
//! new one.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Result;

use crate::fs::{LockError, LockFile, LockedFile, Mode, Open, Wait};

/// How long a writer waits for another one. Writers hold the lock only while they read, change
/// and write the file (never while an editor is open), so waiting long means something is stuck.
pub(crate) const LOCK_TIMEOUT: Duration = Duration::from_secs(20);

/// An exclusive lock on a job file, released when dropped.
#[derive(Debug)]
pub(crate) struct FileLock {
    _lock: LockedFile,
}

/// The sidecar lock file of a job file: `jobs.toml` → `jobs.toml.lock`.
pub(crate) fn lock_path(file: &Path) -> PathBuf {
    let mut name = file
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".lock");
    file.with_file_name(name)
}

impl FileLock {
    /// Takes the lock of `file`, creating the lock file when needed (never its folder),
    /// waiting up to `timeout` for another writer.
    pub(crate) fn acquire(file: &Path, timeout: Duration) -> Result<FileLock> {
        let path = lock_path(file);
        match LockFile::acquire(&path, Open::Create, Mode::Exclusive, Wait::Upto(timeout)) {
            Ok(lock) => Ok(FileLock { _lock: lock }),
            Err(err @ LockError::Busy { .. }) => anyhow::bail!(
                "another jobtab is writing {} ({} holds {} for more than {}s); try again",
                file.display(),
                err.holder_words(),
                path.display(),
                timeout.as_secs()
            ),
            Err(err) => Err(err.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_is_exclusive_and_released_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("jobs.toml");
        // The folder is never created.
        assert!(FileLock::acquire(&dir.path().join("sub/jobs.toml"), LOCK_TIMEOUT).is_err());
        assert!(!dir.path().join("sub").exists());
        let first = FileLock::acquire(&file, Duration::from_millis(10)).unwrap();
        assert!(dir.path().join("jobs.toml.lock").exists());
        let err = FileLock::acquire(&file, Duration::from_millis(30)).unwrap_err();
        let message = format!("{err:#}");
        assert!(message.contains("another jobtab is writing"), "{message}");
        assert!(message.ends_with("try again"), "{message}");
        // It names the process holding the lock (this one).
        let holder = format!("(pid {} holds ", std::process::id());
        assert!(message.contains(&holder), "{message}");
        drop(first);
        // Free again (a child another test forks in that moment may hold a copy of the
        // descriptor until its exec, so this waits a little).
        FileLock::acquire(&file, Duration::from_secs(5)).unwrap();
    }

    #[test]
    fn lock_path_is_a_sidecar() {
        assert_eq!(
            lock_path(Path::new("/a/jobs.toml")),
            Path::new("/a/jobs.toml.lock")
        );
    }
}
